// The frame every review screen shares: breadcrumbs, a heading with its subtitle and actions, the
// body, and the shortcut bar at the foot; and a list table's header row.
import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { type Shortcut, ShortcutBar } from "./shortcuts";

export function ScreenFrame({
  crumbs,
  title,
  subtitle,
  actions,
  shortcuts,
  children,
}: {
  crumbs?: ComponentChildren;
  title: ComponentChildren;
  subtitle?: ComponentChildren;
  actions?: ComponentChildren;
  shortcuts: Shortcut[];
  children: ComponentChildren;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  // Opened from the sidebar, the screen takes the focus: Enter and the arrows would otherwise
  // still act on the sidebar's link rather than on this screen's shortcuts.
  useEffect(() => {
    if ((document.activeElement as HTMLElement | null)?.closest(".sidebar")) heading.current?.focus();
  }, []);
  return (
    <section class="screen">
      {crumbs && <p class="crumbs">{crumbs}</p>}
      <header class="screen-head">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            {title}
          </h1>
          {subtitle && <p class="muted">{subtitle}</p>}
        </div>
        {actions && <div class="actions">{actions}</div>}
      </header>
      {children}
      <ShortcutBar shortcuts={shortcuts} />
    </section>
  );
}

// Column headings; "#Items" is a numeric column (right-aligned), "" one of row actions.
export function TableHead({ columns }: { columns: string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) =>
          c === "" ? (
            <th key={i} scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          ) : (
            <th key={i} scope="col" class={c.startsWith("#") ? "num" : undefined}>
              {c.replace(/^#/, "")}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
