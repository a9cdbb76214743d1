-- CreateTable
CREATE TABLE "RequestLog" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "apiKeyName" TEXT
);

-- CreateTable
CREATE TABLE "LabState" (
    "key" TEXT NOT NULL PRIMARY KEY,
    "value" TEXT NOT NULL,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "RequestLog_receivedAt_idx" ON "RequestLog"("receivedAt");

-- CreateIndex
CREATE INDEX "RequestLog_backend_receivedAt_idx" ON "RequestLog"("backend", "receivedAt");

-- CreateIndex
CREATE INDEX "RequestLog_requestedModel_receivedAt_idx" ON "RequestLog"("requestedModel", "receivedAt");

-- CreateIndex
CREATE INDEX "RequestLog_outcome_receivedAt_idx" ON "RequestLog"("outcome", "receivedAt");

-- CreateIndex
CREATE INDEX "RequestLog_status_receivedAt_idx" ON "RequestLog"("status", "receivedAt");
