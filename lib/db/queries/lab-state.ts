import type { PrismaClient } from "@/lib/db/client";

// A small key/value store for lab state that must survive a restart (e.g. the current mode).
// Values are strings; callers that need structure store JSON and validate it when reading.

export async function getLabStateValue(key: string, prisma: PrismaClient): Promise<string | null> {
  const row = await prisma.labState.findUnique({ where: { key }, select: { value: true } });
  return row?.value ?? null;
}

export async function setLabStateValue(key: string, value: string, prisma: PrismaClient): Promise<void> {
  await prisma.labState.upsert({ where: { key }, create: { key, value }, update: { value } });
}
