import type { RoutingView } from "@/components/hooks/api-types";

/** Every model name or alias x every mode -> the backend that would serve it there, or offline. */
export function RoutingTable({ view }: { view: RoutingView }) {
  return (
    <div className="table-wrap">
      <table data-testid="routing-table">
        <caption className="visually-hidden">Which backend serves each model name in each mode</caption>
        <thead>
          <tr>
            <th scope="col">Model or alias</th>
            <th scope="col">Candidates, in order</th>
            {view.modes.map((mode) => (
              <th scope="col" key={mode}>
                {mode}
                {mode === view.currentMode ? " (current)" : ""}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {view.table.map((row) => (
            <tr key={row.model} data-testid={`routing-row-${row.model}`}>
              <th scope="row">
                <code>{row.model}</code>
                {row.kind === "auto" ? <span className="muted small"> (automatic)</span> : null}
              </th>
              <td>{row.kind === "auto" ? `fast: ${row.candidates[0] ?? "?"}, deep: ${row.candidates[1] ?? "?"}` : row.candidates.join(" → ")}</td>
              {view.modes.map((mode) => {
                const backend = row.byMode[mode] ?? null;
                return (
                  <td key={mode} data-testid={`routing-cell-${row.model}-${mode}`}>
                    {backend ? <code>{backend}</code> : <span className="offline">offline</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
