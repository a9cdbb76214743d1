-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "gpuUtilizationPct" REAL;
ALTER TABLE "RequestLog" ADD COLUMN "kvCacheUsage" REAL;
ALTER TABLE "RequestLog" ADD COLUMN "backendQueueDepth" INTEGER;
ALTER TABLE "RequestLog" ADD COLUMN "energyWh" REAL;

-- CreateTable
CREATE TABLE "ModeSwitch" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "fromMode" TEXT,
    "toMode" TEXT,
    "backendId" TEXT,
    "requestedBy" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "error" TEXT,
    "startedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "durationMs" REAL
);

-- CreateTable
CREATE TABLE "ModeSwitchStep" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "switchId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "detail" TEXT,
    "startedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    "durationMs" REAL,
    CONSTRAINT "ModeSwitchStep_switchId_fkey" FOREIGN KEY ("switchId") REFERENCES "ModeSwitch" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "LabEvent" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "backendId" TEXT,
    "message" TEXT NOT NULL,
    "detail" TEXT
);

-- CreateTable
CREATE TABLE "GpuSample" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "gpuIndex" INTEGER NOT NULL,
    "utilizationPct" REAL,
    "memoryUsedMiB" REAL,
    "memoryTotalMiB" REAL,
    "temperatureC" REAL,
    "powerDrawW" REAL,
    "powerLimitW" REAL,
    "smClockMHz" REAL,
    "fanPct" REAL
);

-- CreateTable
CREATE TABLE "BackendSample" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "backendId" TEXT NOT NULL,
    "running" REAL,
    "waiting" REAL,
    "kvCacheUsage" REAL,
    "promptTokensPerSecond" REAL,
    "generationTokensPerSecond" REAL,
    "ttftP50Ms" REAL,
    "ttftP95Ms" REAL,
    "inFlight" INTEGER
);

-- CreateIndex
CREATE INDEX "ModeSwitch_kind_startedAt_idx" ON "ModeSwitch"("kind", "startedAt");

-- CreateIndex
CREATE INDEX "ModeSwitch_status_idx" ON "ModeSwitch"("status");

-- CreateIndex
CREATE INDEX "ModeSwitchStep_switchId_position_idx" ON "ModeSwitchStep"("switchId", "position");

-- CreateIndex
CREATE INDEX "LabEvent_at_idx" ON "LabEvent"("at");

-- CreateIndex
CREATE INDEX "LabEvent_backendId_at_idx" ON "LabEvent"("backendId", "at");

-- CreateIndex
CREATE INDEX "LabEvent_kind_at_idx" ON "LabEvent"("kind", "at");

-- CreateIndex
CREATE INDEX "GpuSample_gpuIndex_at_idx" ON "GpuSample"("gpuIndex", "at");

-- CreateIndex
CREATE INDEX "GpuSample_at_idx" ON "GpuSample"("at");

-- CreateIndex
CREATE INDEX "BackendSample_backendId_at_idx" ON "BackendSample"("backendId", "at");

-- CreateIndex
CREATE INDEX "BackendSample_at_idx" ON "BackendSample"("at");
