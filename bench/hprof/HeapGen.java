// bench/hprof.mjs's input: a heap of about MB megabytes shaped like a consumer's (orders in a map, each with a
// name, a payload and items; every 5000th a ByteBuffer view kept into a 1 MiB "fetch response"), dumped by the JVM
// itself (HotSpotDiagnosticMXBean.dumpHeap, live objects) to FILE.
import com.sun.management.HotSpotDiagnosticMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public final class HeapGen {
  static final class Order {
    final long id;
    final String name;
    final byte[] payload;
    final List<Long> items = new ArrayList<>();
    Order(long id) {
      this.id = id;
      this.name = "order-" + id;
      this.payload = new byte[64];
      for (int i = 0; i < 4; i++) items.add(id * 10 + i);
    }
  }

  static final Map<Long, Order> orders = new HashMap<>();
  static final List<ByteBuffer> views = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    long target = Long.parseLong(args[0]) << 20;
    long bytes = 0;
    for (long id = 0; bytes < target; id++) {
      orders.put(id, new Order(id));
      bytes += 16 + 32 + 80 + 40 + 56 + 4 * 40; // the order, its name, payload, items list and boxed longs
      if (id % 5000 == 0) {
        views.add(ByteBuffer.wrap(new byte[1 << 20], 100, 1024).slice());
        bytes += 1 << 20;
      }
    }
    ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).dumpHeap(args[1], true);
    System.out.println(orders.size() + " orders, " + views.size() + " views");
  }
}
