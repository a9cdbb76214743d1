-- AlterTable
ALTER TABLE "ModeSwitch" ADD COLUMN "reason" TEXT;
