-- AlterTable
ALTER TABLE "AlertDelivery" ADD COLUMN "resolved" BOOLEAN NOT NULL DEFAULT false;
