// Keyboard shortcuts: each screen declares its own, and the same list is shown in the screen's
// shortcut bar, so what is shown is exactly what works.
import { useEffect, useRef } from "preact/hooks";

export interface Shortcut {
  key: string; // KeyboardEvent.key ("e", "/", "Enter", "Escape"); "mod+s" is Ctrl+S or ⌘S
  also?: string[]; // other keys that do the same ("ArrowRight" beside "j"), shown beside it
  label: string;
  run: () => void;
  when?: boolean; // false: not offered now (e.g. an action the role may not take)
}

const isMac = /Mac|iPhone|iPad/.test(navigator.platform);

function matchesKey(key: string, e: KeyboardEvent): boolean {
  if (key.startsWith("mod+")) {
    return (isMac ? e.metaKey : e.ctrlKey) && e.key.toLowerCase() === key.slice(4);
  }
  return !e.ctrlKey && !e.metaKey && !e.altKey && e.key === key;
}

function matches(shortcut: Shortcut, e: KeyboardEvent): boolean {
  return [shortcut.key, ...(shortcut.also ?? [])].some((k) => matchesKey(k, e));
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  return !!el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
}

export function useShortcuts(shortcuts: Shortcut[]): void {
  // The latest list, without re-subscribing on every render.
  const current = useRef(shortcuts);
  current.current = shortcuts;
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      for (const s of current.current) {
        if (s.when === false || !matches(s, e)) continue;
        // In a text field plain keys are text; only mod+ keys and Escape act there.
        if (typing(e.target) && !s.key.startsWith("mod+") && s.key !== "Escape") continue;
        // Enter on a focused link or button is that control's own.
        if (s.key === "Enter" && (e.target as HTMLElement | null)?.closest?.("a, button")) continue;
        e.preventDefault();
        s.run();
        return;
      }
    };
    window.addEventListener("keydown", down);
    return () => window.removeEventListener("keydown", down);
  }, []);
}

const arrows: Record<string, string> = { ArrowLeft: "←", ArrowRight: "→", ArrowUp: "↑", ArrowDown: "↓" };

function keyName(key: string): string {
  if (key.startsWith("mod+")) {
    const k = key.slice(4); // "s" shows as S, "enter" as Enter
    return (isMac ? "⌘" : "Ctrl+") + k[0].toUpperCase() + (k.length > 1 ? k.slice(1) : "");
  }
  if (key === "Escape") return "Esc";
  return arrows[key] ?? key;
}

export function ShortcutBar({ shortcuts }: { shortcuts: Shortcut[] }) {
  const shown = shortcuts.filter((s) => s.when !== false);
  if (shown.length === 0) return null;
  return (
    <footer class="shortcuts" aria-label="Keyboard shortcuts">
      {shown.map((s) => (
        <span key={s.key}>
          {[s.key, ...(s.also ?? [])].map((k) => (
            <kbd key={k}>{keyName(k)}</kbd>
          ))}{" "}
          {s.label}
        </span>
      ))}
    </footer>
  );
}
