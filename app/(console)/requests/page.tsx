import { RequestsPage } from "@/components/requests/requests-page";

export default function Page() {
  return <RequestsPage />;
}
