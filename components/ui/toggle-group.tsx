"use client";

/** A row of mutually exclusive buttons (chart ranges, list kinds), announced as pressed/not pressed. */
export function ToggleGroup<T extends string>({
  label,
  options,
  value,
  onChange,
  format = (option) => option,
}: {
  label: string;
  options: readonly T[];
  value: T;
  onChange: (value: T) => void;
  format?: (option: T) => string;
}) {
  return (
    <div className="toggle-group" role="group" aria-label={label}>
      {options.map((option) => (
        <button key={option} type="button" aria-pressed={option === value} onClick={() => onChange(option)}>
          {format(option)}
        </button>
      ))}
    </div>
  );
}
