import type { ComponentChildren } from "preact";

// A labelled choice: the label wraps the select, so it names it for screen readers too.
export function Select({
  label,
  value,
  options,
  onChange,
}: {
  label: ComponentChildren;
  value: string;
  options: [value: string, text: string][];
  onChange: (value: string) => void;
}) {
  return (
    <label>
      {label}
      <select value={value} onChange={(e) => onChange((e.target as HTMLSelectElement).value)}>
        {options.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </label>
  );
}
