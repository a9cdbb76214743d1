import { RequestDetail } from "@/components/requests/request-detail";

/** One request as a page of its own: a link from the log, shareable; where the playground's "open in the request log" leads. */
export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <RequestDetail id={decodeURIComponent(id)} />;
}
