import { useEffect, useState } from "react";
import type { ChatClient, Media } from "@chat/sdk";

/** Bytes of a media route fetched with the token, as a blob URL revoked when the component goes. */
function useMediaUrl(client: ChatClient, mediaId: string, thumbnail: boolean) {
  const [url, setUrl] = useState<string>();
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let objectUrl: string | undefined;
    let cancelled = false;
    // The thumbnail route answers 404 until the thumbnail exists: the full image then.
    const bytes = thumbnail ? client.downloadMedia(mediaId, true).catch(() => client.downloadMedia(mediaId)) : client.downloadMedia(mediaId);
    bytes.then(
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
  }, [client, mediaId, thumbnail]);

  return { url, failed };
}

/**
 * An image fetched with the token (GET /api/media/{id} → 302 → bytes), shown from a blob URL: its thumbnail
 * first when it has one, the full image once clicked.
 */
export function MediaImage({ client, media }: { client: ChatClient; media: Media }) {
  const [full, setFull] = useState(!media.thumbnailUrl);
  const { url, failed } = useMediaUrl(client, media.mediaId, !full);

  if (failed) {
    return <span className="media-missing">Image unavailable</span>;
  }
  if (!url) {
    return <span className="media-loading">Loading image…</span>;
  }
  const image = <img className="media" src={url} alt={media.fileName || "Image"} />;
  return full ? image : <button type="button" className="media-open" onClick={() => setFull(true)} title="Show full image">{image}</button>;
}

/** Video, audio and other files: name, size, and a download made from the bytes fetched with the token. */
export function MediaFile({ client, media }: { client: ChatClient; media: Media }) {
  const [url, setUrl] = useState<string>();
  const [error, setError] = useState(false);

  useEffect(() => () => {
    if (url) {
      URL.revokeObjectURL(url);
    }
  }, [url]);

  const download = async () => {
    try {
      const objectUrl = url ?? URL.createObjectURL(await client.downloadMedia(media.mediaId));
      setUrl(objectUrl);
      const a = document.createElement("a");
      a.href = objectUrl;
      a.download = media.fileName;
      a.click();
    } catch {
      setError(true);
    }
  };

  const playable = url && (media.contentType.startsWith("video/") || media.contentType.startsWith("audio/"));
  return (
    <div className="file">
      <span className="file-name">{media.contentType.startsWith("video/") ? "🎬" : "📄"} {media.fileName}</span>
      <span className="file-size">{fileSize(media.sizeBytes)}</span>
      <button type="button" className="link" onClick={() => void download()} aria-label={`Download ${media.fileName}`}>Download</button>
      {error && <span className="error">Unavailable</span>}
      {playable && (media.contentType.startsWith("video/") ? <video className="media" src={url} controls /> : <audio src={url} controls />)}
    </div>
  );
}

export function fileSize(bytes: number): string {
  return bytes < 1024 ? `${bytes} B` : bytes < 1024 * 1024 ? `${Math.ceil(bytes / 1024)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
