import { GpusPage } from "@/components/gpus/gpus-page";

export default function Page() {
  return <GpusPage />;
}
