import { useState } from "react";
import type { Chat, Message } from "@chat/sdk";
import { previewOf } from "./ChatItem";
import { isMuted } from "./state";

const supported = () => typeof Notification !== "undefined";

/** Asks for the permission on a click (browsers ignore a request that no user gesture started). */
export function NotificationButton() {
  const [permission, setPermission] = useState(() => (supported() ? Notification.permission : "denied"));
  if (permission !== "default") {
    return null;
  }
  const ask = () => void Notification.requestPermission().then(setPermission, () => undefined);
  return <button type="button" className="link" onClick={ask}>Enable notifications</button>;
}

/** A browser notification for a message from someone else while the tab is hidden, unless the chat is muted. */
export function notifyIfHidden(message: Message, chat: Chat | undefined, title: string, me: string, onClick: () => void): void {
  if (!supported() || Notification.permission !== "granted" || document.visibilityState !== "hidden" || message.senderId === me || (chat && isMuted(chat))) {
    return;
  }
  try {
    const notification = new Notification(title, { body: previewOf(message), tag: message.chatId });
    notification.onclick = () => {
      window.focus();
      onClick();
      notification.close();
    };
  } catch {
    // Some browsers (Chrome on Android) only show notifications through a service worker: none then.
  }
}
