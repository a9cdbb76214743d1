-- CreateTable
CREATE TABLE "AlertDelivery" (
    "id" INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    "at" DATETIME NOT NULL,
    "alertId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "severity" TEXT NOT NULL,
    "webhook" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "httpStatus" INTEGER,
    "error" TEXT,
    "durationMs" INTEGER,
    "attempt" INTEGER NOT NULL,
    "willRetry" BOOLEAN NOT NULL DEFAULT false,
    "backendId" TEXT,
    "title" TEXT NOT NULL,
    "message" TEXT NOT NULL
);

-- CreateIndex
CREATE INDEX "AlertDelivery_at_idx" ON "AlertDelivery"("at");

-- CreateIndex
CREATE INDEX "AlertDelivery_webhook_at_idx" ON "AlertDelivery"("webhook", "at");
