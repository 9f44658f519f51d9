import { newClientMessageId, Outbox, type ChatClient, type MessageType, type ShownMessage } from "@chat/sdk";
import type { Action, State } from "./state";

interface Outgoing {
  file?: File;
  /** Set once the upload went through: a retry sends without uploading again. */
  mediaId?: string;
}

function typeOf(file?: File): MessageType {
  return !file ? "text" : file.type.startsWith("image/") ? "image" : file.type.startsWith("video/") ? "video" : file.type.startsWith("audio/") ? "audio" : "file";
}

/**
 * Sending: an optimistic copy at once, the upload with its progress, then the message through the SDK's Outbox,
 * which resends it with the same clientMessageId while the network or the service is away (the server stores it
 * once however often it comes). A refused one stays with "Not sent" and can be retried by hand.
 */
export function createSender(client: ChatClient, dispatch: (action: Action) => void, getState: () => State, me: string) {
  const outgoing = new Map<string, Outgoing>();
  const outbox = new Outbox(client);

  const transmit = async (message: ShownMessage) => {
    const { chatId, clientMessageId } = message;
    const item = outgoing.get(clientMessageId) ?? {};
    dispatch({ type: "messages", chatId, messages: [{ ...message, pending: true, failed: undefined }] });
    try {
      const file = item.file;
      if (file && !item.mediaId) {
        const progress = (sent: number, total: number) => dispatch({ type: "upload", clientMessageId, upload: { fileName: file.name, progress: total > 0 ? sent / total : 1 } });
        progress(0, file.size);
        item.mediaId = (await client.upload(file, file.name, progress)).mediaId;
      }
      const sent = await outbox.send(chatId, { clientMessageId, type: message.type, text: message.text, mediaId: item.mediaId, replyToSeq: message.replyToSeq });
      outgoing.delete(clientMessageId);
      dispatch({ type: "message", message: sent, me });
    } catch (e) {
      dispatch({ type: "messages", chatId, messages: [{ ...message, pending: true, failed: true }] });
      throw e;
    } finally {
      dispatch({ type: "upload", clientMessageId });
    }
  };

  return {
    /** The connection is back or the browser went online: waiting sends go now. */
    retryNow: () => outbox.retryNow(),

    send(chatId: string, text: string, file?: File, replyToSeq?: number): Promise<void> {
      const clientMessageId = newClientMessageId();
      const quoted = replyToSeq === undefined ? undefined : getState().messages[chatId]?.find((m) => m.seq === replyToSeq);
      const replyTo = quoted && { seq: replyToSeq!, senderId: quoted.senderId, type: quoted.type, text: quoted.text?.slice(0, 200) };
      outgoing.set(clientMessageId, { file });
      return transmit({
        chatId, clientMessageId, senderId: me, type: typeOf(file), text: file ? undefined : text, replyToSeq, replyTo, sentAt: new Date().toISOString(), status: "sent",
      });
    },

    /** Sends a failed message again; false when its file is no longer at hand (the page was reloaded). */
    retry(message: ShownMessage): Promise<void> {
      if (message.type !== "text" && !outgoing.has(message.clientMessageId)) {
        return Promise.reject(new Error("The file is gone (the page was reloaded): attach it again."));
      }
      return transmit(message);
    },
  };
}
