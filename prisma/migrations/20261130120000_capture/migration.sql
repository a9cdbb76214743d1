-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN "requestBody" TEXT;
ALTER TABLE "RequestLog" ADD COLUMN "responseBody" TEXT;
