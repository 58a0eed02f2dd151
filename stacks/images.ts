/** `npm run images [-- --registry host/path]`: the full image list to mirror for an air-gapped site. */
import { imageList } from "../catalog/images";

const i = process.argv.indexOf("--registry");
for (const ref of imageList(i > 0 ? process.argv[i + 1] : undefined)) console.log(ref);
