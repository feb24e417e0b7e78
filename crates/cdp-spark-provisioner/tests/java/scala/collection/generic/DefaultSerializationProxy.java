package scala.collection.generic;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.List;

/** What Scala 2.13 writes for a `List`, `Vector`, `HashMap`... (its writeReplace). */
public final class DefaultSerializationProxy implements java.io.Serializable {
    private static final long serialVersionUID = 3L;
    private final Object factory;
    private final transient List<Object> coll;
    private final transient int knownSize;

    public DefaultSerializationProxy(Object factory, List<Object> coll, int knownSize) {
        this.factory = factory;
        this.coll = coll;
        this.knownSize = knownSize;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        out.writeInt(knownSize);
        for (Object x : coll) {
            out.writeObject(x);
        }
        if (knownSize < 0) {
            out.writeObject(new scala.runtime.ModuleSerializationProxy(SerializeEnd$.class));
        }
    }
}
