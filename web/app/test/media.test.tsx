import { describe, expect, it, vi } from "vitest";
import { screen, waitFor, within } from "@testing-library/react";
import { articleOf, openChat, useSignedInBackend } from "./signedIn";

const backend = useSignedInBackend();

describe("media", () => {
  it("a video upload shows its progress bar, then the file's name, size and a download fetched with the token", async () => {
    const release = backend().holdUploads();
    const { user, log } = await openChat("Bob", "how are you?");

    await user.upload(screen.getByLabelText("Attach file"), new File([new Uint8Array(2048)], "clip.mp4", { type: "video/mp4" }));

    const bar = await within(log).findByRole("progressbar", { name: "Uploading clip.mp4" });
    expect(bar.getAttribute("value")).toBe("50");
    expect(within(bar.closest("article")!).getByRole("status", { name: "Sending" })).toBeTruthy();
    release();

    const download = await within(log).findByRole("button", { name: "Download clip.mp4" });
    const article = download.closest("article")!;
    expect(within(log).queryByRole("progressbar")).toBeNull();
    expect(within(article).getByText(/clip\.mp4/)).toBeTruthy();
    expect(within(article).getByText("2 KB")).toBeTruthy();
    await waitFor(() => expect(within(article).getByRole("status", { name: "Sent" })).toBeTruthy());
    expect(backend().calls.find((c) => c.path === "/api/chats/c1/messages" && c.method === "POST")?.body).toMatchObject({ type: "video", mediaId: "m1" });
    expect(backend().calls.find((c) => c.method === "PUT")?.path).toBe("/media/m1?sig=1");

    // happy-dom would navigate to the blob URL (a browser downloads it): only record the click.
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) { clicked.push(this); });
    await user.click(download);
    await waitFor(() => expect(backend().calls.find((c) => c.path === "/api/media/m1")?.auth).toBe("Bearer a1"));
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(clicked[0]!.download).toBe("clip.mp4");
    expect(clicked[0]!.href).toMatch(/^blob:/);
    expect(article.querySelector("video")?.getAttribute("src")).toBe(clicked[0]!.href);
    vi.restoreAllMocks();
  });

  it("an image with a thumbnail shows the thumbnail (fetched with the token) with its name as alt", async () => {
    const b = backend();
    b.messages[2] = { ...b.messages[2]!, type: "image", text: undefined, media: { mediaId: "m1", fileName: "beach.jpg", contentType: "image/jpeg", sizeBytes: 9000, url: "/api/media/m1", thumbnailUrl: "/api/media/m1/thumbnail" } };
    const { log } = await openChat("Bob", "hi Ann");

    const image = await within(log).findByRole("img", { name: "beach.jpg" });
    expect(image.getAttribute("src")).toMatch(/^blob:/);
    expect(b.calls.find((c) => c.path === "/api/media/m1/thumbnail")?.auth).toBe("Bearer a1");
    expect(b.calls.some((c) => c.path === "/api/media/m1")).toBe(false);
    expect(articleOf(log, "hi Ann")).toBeTruthy();
  });
});
