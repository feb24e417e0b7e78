package scala.collection.immutable;

/** Stands for the class of Scala's `List` companion. */
public final class List$ {}
