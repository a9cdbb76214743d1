import type { DiffLine } from "@/components/hooks/api-types";

/** The config file's lines a save changes, with their line numbers and a few unchanged lines around them. */
export function DiffView({ lines, testId }: { lines: readonly DiffLine[]; testId?: string }) {
  if (lines.length === 0) return <p className="muted">The file would not change.</p>;
  return (
    <div className="diff-view" data-testid={testId}>
      <table>
        <caption className="visually-hidden">Lines of the config file: removed lines marked −, added lines marked +</caption>
        <tbody>
          {lines.map((line, index) => {
            const previous = lines[index - 1];
            // A gap in the numbering: unchanged lines left out between two changes.
            const gap = previous && line.oldLine !== undefined && previous.oldLine !== undefined && line.oldLine > previous.oldLine + 1;
            return (
              <tr key={index} className={`diff-${line.kind}${gap ? " diff-gap" : ""}`}>
                <td className="diff-number">{line.oldLine ?? ""}</td>
                <td className="diff-number">{line.newLine ?? ""}</td>
                <td className="diff-marker" aria-label={line.kind === "context" ? undefined : line.kind}>
                  {line.kind === "added" ? "+" : line.kind === "removed" ? "−" : ""}
                </td>
                <td className="diff-text">
                  <code>{line.text}</code>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
