import { useEffect, useState } from "react";
import type { ChatClient, Media } from "@chat/sdk";

/** An image fetched with the token (GET /api/media/{id} → 302 → bytes), shown from a blob URL. */
export function MediaImage({ client, media }: { client: ChatClient; media: Media }) {
  const [url, setUrl] = useState<string>();
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let objectUrl: string | undefined;
    let cancelled = false;
    client.downloadMedia(media.mediaId).then(
      (blob) => {
        if (!cancelled) {
          objectUrl = URL.createObjectURL(blob);
          setUrl(objectUrl);
        }
      },
      () => !cancelled && setFailed(true),
    );
    return () => {
      cancelled = true;
      if (objectUrl) {
        URL.revokeObjectURL(objectUrl);
      }
    };
  }, [client, media.mediaId]);

  if (failed) {
    return <span className="media-missing">Image unavailable</span>;
  }
  return url ? <img className="media" src={url} alt={media.fileName || "Image"} /> : <span className="media-loading">Loading image…</span>;
}

/** Any other file: a download link made from the fetched bytes. */
export function MediaFile({ client, media }: { client: ChatClient; media: Media }) {
  const download = async () => {
    const blob = await client.downloadMedia(media.mediaId);
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = media.fileName;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
  return <button type="button" className="link" onClick={() => void download()}>{media.fileName} ({Math.ceil(media.sizeBytes / 1024)} KB)</button>;
}
