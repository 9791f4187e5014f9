package org.connectome.ingest;

import java.nio.file.Path;
import java.util.Map;
import org.connectome.acquisition.SectionFolder;
import org.connectome.catalog.Catalog;
import org.springframework.batch.core.ChunkListener;
import org.springframework.batch.core.scope.context.ChunkContext;

/**
 * Ingests a section in its own JVM and dies (Runtime.halt: no clean-up, no status written) when its
 * fourth chunk of tiles starts, three chunks having committed: a worker killed mid-section.
 */
public final class CrashingIngestMain {
  public static final int EXIT = 97;

  public static void main(String[] args) throws Exception {
    String url = args[0];
    Path acquisition = Path.of(args[1]);
    Path work = Path.of(args[2]);
    int chunkSize = Integer.parseInt(args[3]);
    try (Catalog catalog = Catalog.open(url)) {
      SectionFolder section = SectionFolder.list(acquisition).get(0);
      IngestStore store = IngestStore.open(catalog);
      IngestBatch batch = new IngestBatch(store);
      IngestRepository repo = new IngestRepository(store);
      int[] chunks = {0};
      SectionIngestJob job =
          new SectionIngestJob(
                  batch,
                  repo,
                  IngestJobContractTest.metrics(),
                  IngestJobContractTest.RUN,
                  "s",
                  section,
                  IngestParams.of(Map.of("chunkSize", chunkSize, "maxBadTiles", 5)),
                  work)
              .withChunkListener(
                  new ChunkListener() {
                    @Override
                    public void beforeChunk(ChunkContext context) {
                      if (++chunks[0] == 4) {
                        Runtime.getRuntime().halt(EXIT);
                      }
                    }
                  });
      batch.run(job.build(), IngestJobContractTest.params(section));
    }
    System.exit(0);
  }
}
