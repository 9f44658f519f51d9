import { describe, expect, it } from "vitest";
import { applyReceipt, lastSeq, mergeMessages, statusOf, type ShownMessage } from "../src";

const msg = (over: Partial<ShownMessage>): ShownMessage => ({
  chatId: "c1", clientMessageId: "cm", senderId: "me", type: "text", text: "hi", sentAt: "2026-12-01T10:00:00.000Z", status: "sent", ...over,
});

describe("mergeMessages", () => {
  it("the live echo replaces the optimistic copy: one message", () => {
    const optimistic = msg({ clientMessageId: "a", pending: true });
    const echo = msg({ clientMessageId: "a", seq: 3, messageId: "m3" });

    const merged = mergeMessages([optimistic], [echo]);

    expect(merged).toHaveLength(1);
    expect(merged[0]!.seq).toBe(3);
    expect(merged[0]!.pending).toBeUndefined();
  });

  it("the POST answer and the echo in either order give one message", () => {
    const fromPost = msg({ clientMessageId: "a", seq: 3 });
    const echo = msg({ clientMessageId: "a", seq: 3, status: "delivered" });

    expect(mergeMessages(mergeMessages([], [echo]), [fromPost])).toHaveLength(1);
    expect(mergeMessages(mergeMessages([], [echo]), [fromPost])[0]!.status).toBe("delivered");
    expect(mergeMessages(mergeMessages([], [fromPost]), [echo])).toHaveLength(1);
  });

  it("a late optimistic copy never hides the server copy", () => {
    const merged = mergeMessages([msg({ clientMessageId: "a", seq: 2 })], [msg({ clientMessageId: "a", pending: true })]);

    expect(merged).toEqual([msg({ clientMessageId: "a", seq: 2 })]);
  });

  it("orders by seq, pending ones last, and keeps equal clientMessageIds of different senders apart", () => {
    const merged = mergeMessages(
      [msg({ clientMessageId: "p", pending: true }), msg({ clientMessageId: "x", seq: 5 })],
      [msg({ clientMessageId: "x", senderId: "other", seq: 4 })],
    );

    expect(merged.map((m) => m.seq)).toEqual([4, 5, undefined]);
    expect(lastSeq(merged)).toBe(5);
  });
});

describe("receipts", () => {
  it("marks only move forward and read implies delivered", () => {
    let marks = applyReceipt({}, { chatId: "c1", userId: "u2", type: "read", upToSeq: 4, at: "" });
    marks = applyReceipt(marks, { chatId: "c1", userId: "u2", type: "delivered", upToSeq: 2, at: "" });

    expect(marks.u2).toEqual({ delivered: 4, read: 4 });
  });

  it("status is read once every other member read it, delivered once all have it", () => {
    const marks = { u2: { delivered: 5, read: 5 }, u3: { delivered: 5, read: 3 } };

    expect(statusOf(msg({ seq: 3 }), ["u2", "u3"], marks)).toBe("read");
    expect(statusOf(msg({ seq: 5 }), ["u2", "u3"], marks)).toBe("delivered");
    expect(statusOf(msg({ seq: 6 }), ["u2", "u3"], marks)).toBe("sent");
    expect(statusOf(msg({ seq: 6, status: "read" }), ["u2"], {})).toBe("read");
    expect(statusOf(msg({ pending: true }), ["u2"], marks)).toBe("sent");
  });
});
