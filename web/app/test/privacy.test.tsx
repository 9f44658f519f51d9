import { describe, expect, it } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { openChat, renderApp, useSignedInBackend } from "./signedIn";

const backend = useSignedInBackend();

describe("privacy and devices", () => {
  it("lists the signed-in devices and ends another one", async () => {
    const { user } = await renderApp();

    await user.click(screen.getByRole("button", { name: "Privacy and devices" }));
    const dialog = screen.getByRole("dialog", { name: "Privacy and devices" });
    const devices = await within(dialog).findByRole("list", { name: "Signed-in devices" });
    expect(within(devices).getByText("Firefox").closest("li")!.textContent).toContain("(this device)");
    expect(within(devices).queryByRole("button", { name: "End session on Firefox" })).toBeNull();

    await user.click(within(devices).getByRole("button", { name: "End session on Phone" }));

    await waitFor(() => expect(within(devices).queryByText("Phone")).toBeNull());
    expect(backend().calls.some((c) => c.method === "DELETE" && c.path === "/api/users/me/sessions/s2")).toBe(true);
  });

  it("unblocks a blocked contact from the list, and the chat can send again", async () => {
    backend().blocked.add("bob");
    const { user } = await openChat("Bob", "how are you?");
    await screen.findByText("Blocked");

    await user.click(screen.getByRole("button", { name: "Privacy and devices" }));
    const dialog = screen.getByRole("dialog", { name: "Privacy and devices" });
    await user.click(await within(dialog).findByRole("button", { name: "Unblock Bob" }));
    await waitFor(() => expect(within(dialog).getByText("No one.")).toBeTruthy());
    await user.click(within(dialog).getByRole("button", { name: "Close" }));

    expect((screen.getByRole("textbox", { name: "Message" }) as HTMLTextAreaElement).disabled).toBe(false);
    expect(screen.getByRole("button", { name: "Block contact" })).toBeTruthy();
  });
});
