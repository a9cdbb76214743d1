import { z } from "zod";

/** The `audit:` section of the lab config: how long the audit trail (`AuditEntry`) is kept. */
export const auditSchema = z
  .object({
    /** Entries older than this are deleted by the hourly retention pass (lib/app/retention.ts). */
    retentionDays: z.int().positive().default(365),
  })
  .strict()
  .default({ retentionDays: 365 });

export type AuditConfig = z.output<typeof auditSchema>;
