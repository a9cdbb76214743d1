-- The request log at scale (issue: 10 million rows, exact and fast).
-- RequestLog is rebuilt: an integer id the writer gives in arrival order replaces the client's x-request-id as the
-- key (kept in "clientRequestId"), "statusClass" is added, the captured bodies move to "RequestBody", and every
-- filter gets an index ending in "receivedAt". Existing rows keep their order (ids follow receivedAt, then the old
-- id) and their old id as clientRequestId, so a lookup by the id a client saw still finds them. "RequestRollup"
-- is filled from the finished rows, as the writer keeps it from now on.
PRAGMA foreign_keys=OFF;

-- CreateTable
CREATE TABLE "new_RequestLog" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "clientRequestId" TEXT,
    "receivedAt" DATETIME NOT NULL,
    "firstTokenAt" DATETIME,
    "finishedAt" DATETIME,
    "clientAddress" TEXT,
    "userAgent" TEXT,
    "method" TEXT NOT NULL,
    "endpoint" TEXT NOT NULL,
    "requestedModel" TEXT,
    "route" TEXT,
    "routeReason" TEXT,
    "backend" TEXT,
    "mode" TEXT,
    "stream" BOOLEAN NOT NULL,
    "status" INTEGER,
    "statusClass" INTEGER,
    "outcome" TEXT NOT NULL,
    "errorCode" TEXT,
    "errorMessage" TEXT,
    "promptTokens" INTEGER,
    "completionTokens" INTEGER,
    "cachedTokens" INTEGER,
    "ttftMs" REAL,
    "durationMs" REAL,
    "queueMs" REAL,
    "finishReason" TEXT,
    "attempts" INTEGER NOT NULL DEFAULT 1,
    "apiKeyId" TEXT,
    "apiKeyName" TEXT,
    "gpuUtilizationPct" REAL,
    "kvCacheUsage" REAL,
    "backendQueueDepth" INTEGER,
    "energyWh" REAL
);
INSERT INTO "new_RequestLog" ("id", "clientRequestId", "statusClass", "receivedAt", "firstTokenAt", "finishedAt", "clientAddress", "userAgent", "method", "endpoint", "requestedModel", "route", "routeReason", "backend", "mode", "stream", "status", "outcome", "errorCode", "errorMessage", "promptTokens", "completionTokens", "cachedTokens", "ttftMs", "durationMs", "queueMs", "finishReason", "attempts", "apiKeyId", "apiKeyName", "gpuUtilizationPct", "kvCacheUsage", "backendQueueDepth", "energyWh")
SELECT row_number() OVER (ORDER BY "receivedAt", "id"), "id", "status" / 100, "receivedAt", "firstTokenAt", "finishedAt", "clientAddress", "userAgent", "method", "endpoint", "requestedModel", "route", "routeReason", "backend", "mode", "stream", "status", "outcome", "errorCode", "errorMessage", "promptTokens", "completionTokens", "cachedTokens", "ttftMs", "durationMs", "queueMs", "finishReason", "attempts", "apiKeyId", "apiKeyName", "gpuUtilizationPct", "kvCacheUsage", "backendQueueDepth", "energyWh"
FROM "RequestLog";
-- CreateIndex (before the bodies are joined by it; it keeps its name through the rename below)
CREATE INDEX "RequestLog_clientRequestId_idx" ON "new_RequestLog"("clientRequestId");

-- CreateTable
CREATE TABLE "RequestBody" (
    "requestLogId" INTEGER NOT NULL PRIMARY KEY,
    "receivedAt" DATETIME NOT NULL,
    "requestBody" TEXT,
    "responseBody" TEXT,
    CONSTRAINT "RequestBody_requestLogId_fkey" FOREIGN KEY ("requestLogId") REFERENCES "RequestLog" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "RequestBody" ("requestLogId", "receivedAt", "requestBody", "responseBody")
SELECT "new"."id", "old"."receivedAt", "old"."requestBody", "old"."responseBody"
FROM "RequestLog" AS "old" JOIN "new_RequestLog" AS "new" ON "new"."clientRequestId" = "old"."id"
WHERE "old"."requestBody" IS NOT NULL OR "old"."responseBody" IS NOT NULL;

DROP TABLE "RequestLog";
ALTER TABLE "new_RequestLog" RENAME TO "RequestLog";

-- CreateTable
CREATE TABLE "RequestRollup" (
    "minute" DATETIME NOT NULL,
    "backend" TEXT NOT NULL,
    "route" TEXT NOT NULL,
    "requestedModel" TEXT NOT NULL,
    "apiKeyId" TEXT NOT NULL,
    "clientAddress" TEXT NOT NULL,
    "requests" INTEGER NOT NULL DEFAULT 0,
    "status4xx" INTEGER NOT NULL DEFAULT 0,
    "status5xx" INTEGER NOT NULL DEFAULT 0,
    "clientAborts" INTEGER NOT NULL DEFAULT 0,
    "promptTokens" INTEGER NOT NULL DEFAULT 0,
    "completionTokens" INTEGER NOT NULL DEFAULT 0,
    "energyWh" REAL NOT NULL DEFAULT 0,
    "ttftCount" INTEGER NOT NULL DEFAULT 0,
    "ttftSumMs" REAL NOT NULL DEFAULT 0,
    "durationCount" INTEGER NOT NULL DEFAULT 0,
    "durationSumMs" REAL NOT NULL DEFAULT 0,
    "ttft0" INTEGER NOT NULL DEFAULT 0,
    "ttft1" INTEGER NOT NULL DEFAULT 0,
    "ttft2" INTEGER NOT NULL DEFAULT 0,
    "ttft3" INTEGER NOT NULL DEFAULT 0,
    "ttft4" INTEGER NOT NULL DEFAULT 0,
    "ttft5" INTEGER NOT NULL DEFAULT 0,
    "ttft6" INTEGER NOT NULL DEFAULT 0,
    "ttft7" INTEGER NOT NULL DEFAULT 0,
    "ttft8" INTEGER NOT NULL DEFAULT 0,
    "ttft9" INTEGER NOT NULL DEFAULT 0,
    "ttft10" INTEGER NOT NULL DEFAULT 0,
    "ttft11" INTEGER NOT NULL DEFAULT 0,
    "duration0" INTEGER NOT NULL DEFAULT 0,
    "duration1" INTEGER NOT NULL DEFAULT 0,
    "duration2" INTEGER NOT NULL DEFAULT 0,
    "duration3" INTEGER NOT NULL DEFAULT 0,
    "duration4" INTEGER NOT NULL DEFAULT 0,
    "duration5" INTEGER NOT NULL DEFAULT 0,
    "duration6" INTEGER NOT NULL DEFAULT 0,
    "duration7" INTEGER NOT NULL DEFAULT 0,
    "duration8" INTEGER NOT NULL DEFAULT 0,
    "duration9" INTEGER NOT NULL DEFAULT 0,
    "duration10" INTEGER NOT NULL DEFAULT 0,
    "duration11" INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY ("minute", "backend", "route", "requestedModel", "apiKeyId", "clientAddress")
);
INSERT INTO "RequestRollup" ("minute", "backend", "route", "requestedModel", "apiKeyId", "clientAddress", "requests", "status4xx", "status5xx", "clientAborts", "promptTokens", "completionTokens", "energyWh", "ttftCount", "ttftSumMs", "durationCount", "durationSumMs", "ttft0", "ttft1", "ttft2", "ttft3", "ttft4", "ttft5", "ttft6", "ttft7", "ttft8", "ttft9", "ttft10", "ttft11", "duration0", "duration1", "duration2", "duration3", "duration4", "duration5", "duration6", "duration7", "duration8", "duration9", "duration10", "duration11")
SELECT strftime('%Y-%m-%dT%H:%M:00.000+00:00', "receivedAt"),
    coalesce("backend", ''),
    coalesce("route", ''),
    coalesce("requestedModel", ''),
    coalesce("apiKeyId", ''),
    coalesce("clientAddress", ''),
    count(*),
    SUM(CASE WHEN "status" >= 400 AND "status" < 500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "status" >= 500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "outcome" = 'client_abort' THEN 1 ELSE 0 END),
    coalesce(SUM("promptTokens"), 0),
    coalesce(SUM("completionTokens"), 0),
    coalesce(SUM("energyWh"), 0),
    count("ttftMs"),
    coalesce(SUM("ttftMs"), 0),
    count("durationMs"),
    coalesce(SUM("durationMs"), 0),
    SUM(CASE WHEN "ttftMs" IS NOT NULL AND "ttftMs" < 25 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 25 AND "ttftMs" < 50 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 50 AND "ttftMs" < 100 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 100 AND "ttftMs" < 250 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 250 AND "ttftMs" < 500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 500 AND "ttftMs" < 1000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 1000 AND "ttftMs" < 2500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 2500 AND "ttftMs" < 5000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 5000 AND "ttftMs" < 10000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 10000 AND "ttftMs" < 30000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 30000 AND "ttftMs" < 60000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "ttftMs" >= 60000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" IS NOT NULL AND "durationMs" < 100 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 100 AND "durationMs" < 250 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 250 AND "durationMs" < 500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 500 AND "durationMs" < 1000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 1000 AND "durationMs" < 2500 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 2500 AND "durationMs" < 5000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 5000 AND "durationMs" < 10000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 10000 AND "durationMs" < 30000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 30000 AND "durationMs" < 60000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 60000 AND "durationMs" < 120000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 120000 AND "durationMs" < 300000 THEN 1 ELSE 0 END),
    SUM(CASE WHEN "durationMs" >= 300000 THEN 1 ELSE 0 END)
FROM "RequestLog" WHERE "outcome" <> 'open'
GROUP BY 1, 2, 3, 4, 5, 6;

-- CreateIndex
CREATE INDEX "RequestLog_receivedAt_idx" ON "RequestLog"("receivedAt");
CREATE INDEX "RequestLog_requestedModel_receivedAt_idx" ON "RequestLog"("requestedModel", "receivedAt");
CREATE INDEX "RequestLog_route_receivedAt_idx" ON "RequestLog"("route", "receivedAt");
CREATE INDEX "RequestLog_backend_receivedAt_idx" ON "RequestLog"("backend", "receivedAt");
CREATE INDEX "RequestLog_outcome_receivedAt_idx" ON "RequestLog"("outcome", "receivedAt");
CREATE INDEX "RequestLog_statusClass_receivedAt_idx" ON "RequestLog"("statusClass", "receivedAt");
CREATE INDEX "RequestLog_apiKeyId_receivedAt_idx" ON "RequestLog"("apiKeyId", "receivedAt");
CREATE INDEX "RequestLog_clientAddress_receivedAt_idx" ON "RequestLog"("clientAddress", "receivedAt");
CREATE INDEX "RequestLog_stream_receivedAt_idx" ON "RequestLog"("stream", "receivedAt");
CREATE INDEX "RequestBody_receivedAt_idx" ON "RequestBody"("receivedAt");

PRAGMA foreign_keys=ON;
