import { BackendsPage } from "@/components/backends/backends-page";

export default function Page() {
  return <BackendsPage />;
}
