package scala;

/** A pair, as Scala's `Tuple2` case class serializes (fields `_1`, `_2`). */
public final class Tuple2 implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    private final Object _1;
    private final Object _2;

    public Tuple2(Object a, Object b) { _1 = a; _2 = b; }
}
