-- AlterTable
ALTER TABLE "AlertDelivery" ADD COLUMN "subject" TEXT;
