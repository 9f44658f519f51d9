import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from "react";

export interface MenuEntry {
  /** The item's accessible name (and its text unless `content` is given). */
  label: string;
  content?: ReactNode;
  onSelect: () => void;
}

interface Props {
  /** The button's accessible name, e.g. "Message actions". */
  label: string;
  icon: ReactNode;
  items: MenuEntry[];
  className?: string;
}

/** A menu button (WAI-ARIA pattern): Enter/Space/ArrowDown opens it on the first item, arrows move, Escape closes. */
export function Menu({ label, icon, items, className }: Props) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const id = useId();

  useEffect(() => {
    if (!open) {
      return;
    }
    listRef.current?.querySelector<HTMLElement>("[role=menuitem]")?.focus();
    const onOutside = (e: MouseEvent) => {
      if (!listRef.current?.contains(e.target as Node) && !buttonRef.current?.contains(e.target as Node)) {
        setOpen(false);
      }
    };
    document.addEventListener("mousedown", onOutside);
    return () => document.removeEventListener("mousedown", onOutside);
  }, [open]);

  const close = () => {
    setOpen(false);
    buttonRef.current?.focus();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLUListElement>) => {
    const entries = [...(listRef.current?.querySelectorAll<HTMLElement>("[role=menuitem]") ?? [])];
    const at = entries.indexOf(document.activeElement as HTMLElement);
    const moveTo = (i: number) => entries[(i + entries.length) % entries.length]?.focus();
    if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      close();
    } else if (event.key === "ArrowDown") {
      event.preventDefault();
      moveTo(at + 1);
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      moveTo(at - 1);
    } else if (event.key === "Home") {
      event.preventDefault();
      moveTo(0);
    } else if (event.key === "End") {
      event.preventDefault();
      moveTo(entries.length - 1);
    } else if (event.key === "Tab") {
      setOpen(false);
    }
  };

  return (
    <span className={`menu ${className ?? ""}`}>
      <button type="button" ref={buttonRef} className="menu-button" aria-label={label} title={label} aria-haspopup="menu" aria-expanded={open}
        aria-controls={open ? id : undefined} onClick={(e) => { e.stopPropagation(); setOpen((o) => !o); }}
        onKeyDown={(e) => { if (e.key === "ArrowDown") { e.preventDefault(); setOpen(true); } }}>
        {icon}
      </button>
      {open && (
        <ul role="menu" id={id} aria-label={label} ref={listRef} onKeyDown={onKeyDown} className="menu-list">
          {items.map((item) => (
            <li role="none" key={item.label}>
              <button type="button" role="menuitem" tabIndex={-1} aria-label={item.content ? item.label : undefined}
                onClick={(e) => { e.stopPropagation(); close(); item.onSelect(); }}>
                {item.content ?? item.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}
