import { useEffect, useRef, type ReactNode } from "react";

/** A modal dialog: focus moves into it, Escape or "Close" ends it, and focus goes back where it was. */
export function Dialog({ label, onClose, children }: { label: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const returnTo = document.activeElement as HTMLElement | null;
    ref.current?.querySelector<HTMLElement>("input, button, select, textarea")?.focus();
    return () => returnTo?.focus?.();
  }, []);

  return (
    <div className="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-modal="true" aria-label={label} ref={ref}
        onKeyDown={(e) => { if (e.key === "Escape") { e.stopPropagation(); onClose(); } }}>
        <header className="dialog-header">
          <h2>{label}</h2>
          <button type="button" className="link" onClick={onClose}>Close</button>
        </header>
        {children}
      </div>
    </div>
  );
}
