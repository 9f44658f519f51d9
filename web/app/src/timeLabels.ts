const DAY_MS = 86_400_000;

function startOfDay(time: number): number {
  const d = new Date(time);
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime();
}

/** A day separator's text: "Today", "Yesterday", or the date (with the year when it is not this year's). */
export function dayLabel(iso: string, now = Date.now()): string {
  const at = Date.parse(iso);
  const days = Math.round((startOfDay(now) - startOfDay(at)) / DAY_MS);
  if (days === 0) {
    return "Today";
  }
  if (days === 1) {
    return "Yesterday";
  }
  const sameYear = new Date(at).getFullYear() === new Date(now).getFullYear();
  return new Date(at).toLocaleDateString([], { weekday: days < 7 ? "long" : undefined, day: "numeric", month: "long", year: sameYear ? undefined : "numeric" });
}

/** The local day of a timestamp, to tell where a day separator goes. */
export function dayKey(iso: string): number {
  return startOfDay(Date.parse(iso));
}

export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** The chat list's time: the clock today, "Yesterday", else the date. */
export function listTime(iso: string, now = Date.now()): string {
  const label = dayLabel(iso, now);
  return label === "Today" ? clockTime(iso) : label === "Yesterday" ? label : new Date(iso).toLocaleDateString();
}

export const TIMER_LABELS: Record<number, string> = { 0: "Off", 86400: "24 hours", 604800: "7 days", 7776000: "90 days" };
