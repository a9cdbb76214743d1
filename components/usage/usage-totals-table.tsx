"use client";

import type { UsageReportJson } from "@/components/hooks/api-types";
import { formatEnergyWh, formatNumber } from "@/components/ui/format";
import { formatCost, formatPercentiles, GROUPING_LABELS, usageTotalsRows, type UsageTotalsRow } from "./usage-view";

type Percentiles = Pick<UsageTotalsRow, "ttftP50Ms" | "ttftP95Ms" | "ttftP99Ms" | "durationP50Ms" | "durationP95Ms" | "durationP99Ms">;

function percentiles(row: Percentiles, measure: "ttft" | "duration"): string {
  return formatPercentiles(measure === "ttft" ? [row.ttftP50Ms, row.ttftP95Ms, row.ttftP99Ms] : [row.durationP50Ms, row.durationP95Ms, row.durationP99Ms]);
}

/** A numeric cell: the formatted value, and the API's raw figure in data-value (what the e2e suite compares). */
function NumberCell({ field, value, text }: { field: string; value: number | null; text?: string }) {
  return (
    <td className="num" data-field={field} data-value={value ?? ""}>
      {text ?? formatNumber(value)}
    </td>
  );
}

function FigureCells({ row, currency }: { row: UsageTotalsRow; currency: string | null }) {
  return (
    <>
      <NumberCell field="requests" value={row.requests} />
      <NumberCell field="status4xx" value={row.status4xx} />
      <NumberCell field="status5xx" value={row.status5xx} />
      <NumberCell field="failedStreams" value={row.failedStreams} />
      <NumberCell field="promptTokens" value={row.promptTokens} />
      <NumberCell field="completionTokens" value={row.completionTokens} />
      <td className="num" data-field="ttft">
        {percentiles(row, "ttft")}
      </td>
      <td className="num" data-field="duration">
        {percentiles(row, "duration")}
      </td>
      <NumberCell field="energyWh" value={row.energyWh} text={formatEnergyWh(row.energyWh)} />
      {currency !== null ? <NumberCell field="cost" value={row.cost} text={formatCost(row.cost, currency)} /> : null}
    </>
  );
}

/** Totals per group over the window (the grouped report), and the whole lab's in the footer (the ungrouped one). */
export function UsageTotalsTable({ grouped, lab }: { grouped: UsageReportJson; lab: UsageReportJson | undefined }) {
  const groupBy = grouped.groupBy;
  const rows = usageTotalsRows(grouped);
  const labRow = lab ? usageTotalsRows(lab)[0] : undefined;
  const currency = grouped.energyPrice?.currency ?? null;
  return (
    <div className="table-wrap">
      <table data-testid="usage-totals" data-from={grouped.from} data-to={grouped.to} data-bucket-ms={grouped.bucketMs} data-group-by={groupBy ?? ""}>
        <caption className="visually-hidden">Usage totals per {groupBy ? GROUPING_LABELS[groupBy].toLowerCase() : "group"}, most requests first</caption>
        <thead>
          <tr>
            <th scope="col">{groupBy ? GROUPING_LABELS[groupBy] : "Group"}</th>
            <th scope="col" className="num">
              Requests
            </th>
            <th scope="col" className="num" title="Answered 4xx: malformed requests, unknown models, missing or wrong keys, over a key's limit">
              4xx
            </th>
            <th scope="col" className="num" title="Answered 5xx: the lab's failures">
              5xx
            </th>
            <th scope="col" className="num" title="Streams cut after their 200 went out (backend gone or idle too long): the client got an error event, a failure as a 5xx is">
              Cut streams
            </th>
            <th scope="col" className="num" title="Prompt tokens">
              Prompt tok.
            </th>
            <th scope="col" className="num" title="Completion tokens">
              Completion tok.
            </th>
            <th scope="col" className="num" title="Time to first token: p50 · p95 · p99">
              TTFT p50 · p95 · p99
            </th>
            <th scope="col" className="num" title="Whole request: p50 · p95 · p99">
              Duration p50 · p95 · p99
            </th>
            <th scope="col" className="num" title="The requests' share of what their GPUs drew">
              Energy
            </th>
            {currency !== null ? (
              <th scope="col" className="num" title={`At ${grouped.energyPrice?.perKwh} ${currency} per kWh`}>
                Cost
              </th>
            ) : null}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.group ?? ""} data-testid="usage-total-row" data-group={row.group ?? ""}>
              <th scope="row" style={{ whiteSpace: "normal", minWidth: 110 }} title={row.label !== row.group && row.group ? row.group : undefined}>
                {row.label}
              </th>
              <FigureCells row={row} currency={currency} />
            </tr>
          ))}
        </tbody>
        {labRow ? (
          <tfoot>
            <tr data-testid="usage-total-all">
              <th scope="row">All requests</th>
              <FigureCells row={labRow} currency={currency} />
            </tr>
          </tfoot>
        ) : null}
      </table>
    </div>
  );
}
