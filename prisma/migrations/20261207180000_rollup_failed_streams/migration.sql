-- Streams cut after their 200 went out (status 2xx, outcome upstream_error or timeout: the client got an error
-- event) are counted apart as "failedStreams", so health and usage can count them as errors to clients; and the exact
-- largest TTFT and duration ("ttftMaxMs", "durationMaxMs", merged with MAX) cap the percentiles estimated from the
-- histogram buckets. Both rollup tables gain the columns; existing rollup rows are recounted from the RequestLog rows
-- still kept (the same rules as lib/request-log/rollup.ts: a recount per minute and combination of every dimension,
-- in a temporary table, then RequestUsage from RequestRollup per period and dimension). Rollup rows older than the
-- kept rows stay at 0: nothing is left to count them from.

-- AlterTable
ALTER TABLE "RequestRollup" ADD COLUMN "failedStreams" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "RequestRollup" ADD COLUMN "ttftMaxMs" REAL NOT NULL DEFAULT 0;
ALTER TABLE "RequestRollup" ADD COLUMN "durationMaxMs" REAL NOT NULL DEFAULT 0;
ALTER TABLE "RequestUsage" ADD COLUMN "failedStreams" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "RequestUsage" ADD COLUMN "ttftMaxMs" REAL NOT NULL DEFAULT 0;
ALTER TABLE "RequestUsage" ADD COLUMN "durationMaxMs" REAL NOT NULL DEFAULT 0;

CREATE TEMP TABLE "rollup_recount" AS
SELECT strftime('%Y-%m-%dT%H:%M:00.000+00:00', "receivedAt") AS "minute",
    coalesce("backend", '') AS "backend",
    coalesce("route", '') AS "route",
    coalesce("requestedModel", '') AS "requestedModel",
    coalesce("apiKeyId", '') AS "apiKeyId",
    coalesce("clientAddress", '') AS "clientAddress",
    SUM(CASE WHEN "status" >= 200 AND "status" < 300 AND "outcome" IN ('upstream_error', 'timeout') THEN 1 ELSE 0 END) AS "failedStreams",
    coalesce(MAX("ttftMs"), 0) AS "ttftMaxMs",
    coalesce(MAX("durationMs"), 0) AS "durationMaxMs"
FROM "RequestLog" WHERE "outcome" <> 'open'
GROUP BY 1, 2, 3, 4, 5, 6;

UPDATE "RequestRollup" SET "failedStreams" = "rollup_recount"."failedStreams", "ttftMaxMs" = "rollup_recount"."ttftMaxMs", "durationMaxMs" = "rollup_recount"."durationMaxMs"
FROM "rollup_recount" WHERE "RequestRollup"."minute" = "rollup_recount"."minute" AND "RequestRollup"."backend" = "rollup_recount"."backend" AND "RequestRollup"."route" = "rollup_recount"."route" AND "RequestRollup"."requestedModel" = "rollup_recount"."requestedModel" AND "RequestRollup"."apiKeyId" = "rollup_recount"."apiKeyId" AND "RequestRollup"."clientAddress" = "rollup_recount"."clientAddress";

DROP TABLE "rollup_recount";

CREATE TEMP TABLE "usage_recount" ("period" TEXT, "dimension" TEXT, "bucket" TEXT, "value" TEXT, "failedStreams" INTEGER, "ttftMaxMs" REAL, "durationMaxMs" REAL);
INSERT INTO "usage_recount" SELECT '15m', '', strftime('%Y-%m-%dT%H:', "minute") || printf('%02d', (CAST(strftime('%M', "minute") AS INTEGER) / 15) * 15) || ':00.000+00:00', '', SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '15m', 'backend', strftime('%Y-%m-%dT%H:', "minute") || printf('%02d', (CAST(strftime('%M', "minute") AS INTEGER) / 15) * 15) || ':00.000+00:00', "backend", SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '15m', 'route', strftime('%Y-%m-%dT%H:', "minute") || printf('%02d', (CAST(strftime('%M', "minute") AS INTEGER) / 15) * 15) || ':00.000+00:00', "route", SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '15m', 'requestedModel', strftime('%Y-%m-%dT%H:', "minute") || printf('%02d', (CAST(strftime('%M', "minute") AS INTEGER) / 15) * 15) || ':00.000+00:00', "requestedModel", SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '15m', 'apiKeyId', strftime('%Y-%m-%dT%H:', "minute") || printf('%02d', (CAST(strftime('%M', "minute") AS INTEGER) / 15) * 15) || ':00.000+00:00', "apiKeyId", SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '15m', 'clientAddress', strftime('%Y-%m-%dT%H:', "minute") || printf('%02d', (CAST(strftime('%M', "minute") AS INTEGER) / 15) * 15) || ':00.000+00:00', "clientAddress", SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '1h', '', strftime('%Y-%m-%dT%H:00:00.000+00:00', "minute"), '', SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '1h', 'backend', strftime('%Y-%m-%dT%H:00:00.000+00:00', "minute"), "backend", SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '1h', 'route', strftime('%Y-%m-%dT%H:00:00.000+00:00', "minute"), "route", SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '1h', 'requestedModel', strftime('%Y-%m-%dT%H:00:00.000+00:00', "minute"), "requestedModel", SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '1h', 'apiKeyId', strftime('%Y-%m-%dT%H:00:00.000+00:00', "minute"), "apiKeyId", SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;
INSERT INTO "usage_recount" SELECT '1h', 'clientAddress', strftime('%Y-%m-%dT%H:00:00.000+00:00', "minute"), "clientAddress", SUM("failedStreams"), MAX("ttftMaxMs"), MAX("durationMaxMs") FROM "RequestRollup" GROUP BY 3, 4;

UPDATE "RequestUsage" SET "failedStreams" = "usage_recount"."failedStreams", "ttftMaxMs" = "usage_recount"."ttftMaxMs", "durationMaxMs" = "usage_recount"."durationMaxMs"
FROM "usage_recount" WHERE "RequestUsage"."period" = "usage_recount"."period" AND "RequestUsage"."dimension" = "usage_recount"."dimension" AND "RequestUsage"."bucket" = "usage_recount"."bucket" AND "RequestUsage"."value" = "usage_recount"."value";

DROP TABLE "usage_recount";
