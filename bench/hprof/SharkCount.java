// bench/hprof.mjs's peer: Shark (LeakCanary's HPROF reader) indexes the dump and reads every object's class — the
// work a class histogram takes — and prints the object count, for the benchmark to check both readers agree.
import java.io.File;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import shark.CloseableHeapGraph;
import shark.HeapObject;
import shark.HprofHeapGraph;
import shark.HprofIndex;

public final class SharkCount {
  public static void main(String[] args) throws Exception {
    try (CloseableHeapGraph graph = HprofHeapGraph.Companion.openHeapGraph(new File(args[0]), null, HprofIndex.Companion.defaultIndexedGcRootTags())) {
      Map<String, Integer> byClass = new HashMap<>();
      long objects = 0;
      for (Iterator<HeapObject> it = graph.getObjects().iterator(); it.hasNext(); ) {
        HeapObject o = it.next();
        objects++;
        String name = o instanceof HeapObject.HeapInstance ? ((HeapObject.HeapInstance) o).getInstanceClassName()
            : o instanceof HeapObject.HeapObjectArray ? ((HeapObject.HeapObjectArray) o).getArrayClassName()
            : o instanceof HeapObject.HeapPrimitiveArray ? ((HeapObject.HeapPrimitiveArray) o).getArrayClassName()
            : "java.lang.Class";
        byClass.merge(name, 1, Integer::sum);
      }
      System.out.println("objects " + objects + " classes " + byClass.size());
    }
  }
}
