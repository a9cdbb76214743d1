"use client";

import Link from "next/link";
import type { HealthVerdict, VerdictProblem } from "@/components/hooks/api-types";
import { useVerdictQuery } from "@/components/hooks/queries/use-verdict-query";
import { formatRelative, formatTime } from "@/components/ui/format";
import { ErrorState, Loading } from "@/components/ui/states";
import { useNow } from "@/components/ui/use-now";
import { stripParts } from "./health-strip-parts";
import { problemLinks } from "./problem-links";

const LEVEL_WORD: Record<HealthVerdict["level"], string> = { green: "Healthy", amber: "Needs a look", red: "Failing" };

/** The lab's verdict at the top of the overview: one colour and word, the reasons, then the recent problems. */
export function HealthStrip() {
  const verdict = useVerdictQuery();
  const now = useNow(5_000);
  if (verdict.isPending) return <Loading label="Judging the lab's health…" />;
  if (verdict.error && !verdict.data) return <ErrorState title="Cannot judge the lab's health" error={verdict.error} onRetry={() => void verdict.refetch()} />;
  if (!verdict.data) return null;
  const { level, summary, problems } = verdict.data;
  const { faults, notes, recent } = stripParts(problems);
  return (
    <>
      <section className={`health-strip health-${level}`} data-testid="health-strip" data-level={level} aria-labelledby="health-heading">
        <div className="health-head">
          <span className="health-dot" aria-hidden="true" />
          <h2 id="health-heading">
            <span data-testid="health-level">{LEVEL_WORD[level]}</span>
            <span className="visually-hidden"> ({level})</span>
          </h2>
          {/* Announced when it changes: the verdict is what a screen-reader user would want to hear first. */}
          <p className="health-summary" data-testid="health-summary" role="status" aria-live="polite">
            {summary}
          </p>
          {/* One problem is the summary itself: its time and links go beside it rather than in a list repeating it. */}
          {faults.length === 1 ? <ProblemMeta problem={faults[0]!} now={now} /> : null}
        </div>
        {faults.length > 1 ? (
          <ul className="problem-list" aria-label="Current problems">
            {faults.map((problem) => (
              <ProblemItem key={problem.id} problem={problem} now={now} />
            ))}
          </ul>
        ) : null}
        {notes.length > 0 ? (
          <p className="health-notes small" data-testid="health-notes">
            {notes.map((note) => note.message).join(" · ")}
          </p>
        ) : null}
      </section>
      <section className="panel" aria-labelledby="recent-problems-heading" data-testid="recent-problems">
        <h2 id="recent-problems-heading">Recent problems</h2>
        {recent.length === 0 ? (
          <p className="muted small">None since {formatTime(verdict.data.recentFrom)}.</p>
        ) : (
          <ul className="problem-list">
            {recent.map((problem) => (
              <ProblemItem key={problem.id} problem={problem} now={now} />
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function ProblemItem({ problem, now }: { problem: VerdictProblem; now: number }) {
  return (
    <li className={`problem problem-${problem.level}`} data-testid={`problem-${problem.id}`} data-kind={problem.kind}>
      <span className="problem-message">{problem.message}</span>
      <ProblemMeta problem={problem} now={now} />
    </li>
  );
}

/** When it happened, and links to its failed requests and its lab events. */
function ProblemMeta({ problem, now }: { problem: VerdictProblem; now: number }) {
  const links = problemLinks(problem);
  return (
    <span className="problem-meta small" data-testid={`problem-${problem.id}-meta`}>
      {problem.at ? <time dateTime={problem.at}>{formatRelative(problem.at, now)}</time> : null}
      {links.requests ? (
        <Link href={links.requests} data-testid={`problem-${problem.id}-requests`}>
          failed requests
        </Link>
      ) : null}
      {links.labEvents ? (
        <Link href={links.labEvents} data-testid={`problem-${problem.id}-events`}>
          lab events
        </Link>
      ) : null}
    </span>
  );
}
