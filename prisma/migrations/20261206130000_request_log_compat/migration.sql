-- AlterTable: the compatibility rules (gateway.compat) that acted on a request, comma-separated.
ALTER TABLE "RequestLog" ADD COLUMN "compat" TEXT;
