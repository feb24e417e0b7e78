package scala.collection.generic;

/** Stands for the class of Scala's `SerializeEnd` case object. */
public final class SerializeEnd$ {}
