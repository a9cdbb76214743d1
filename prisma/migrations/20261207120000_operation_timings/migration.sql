-- CreateTable
CREATE TABLE "OperationTiming" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "kind" TEXT NOT NULL,
    "step" TEXT,
    "backendId" TEXT,
    "fromMode" TEXT,
    "toMode" TEXT,
    "durationMs" REAL NOT NULL,
    "operationId" TEXT
);

-- CreateIndex
CREATE INDEX "OperationTiming_at_idx" ON "OperationTiming"("at");
