//! A bounded reader of Java object serialization, for one purpose: the
//! `JOB_DATA` of a Quartz job written with `useProperties=false` (Quartz's
//! default), a serialized `org.quartz.JobDataMap`. The old Scala provisioner
//! stored its job data that way, with Scala 2.13 collections (`Seq`, `Map`)
//! and boxed `java.lang.Integer`s among the values.
//!
//! The stream grammar (Java Object Serialization Specification, chapter 6)
//! is read generically, without loading or trusting any class: objects
//! become trees of class names, field values and the blocks their
//! `writeObject` methods wrote. [`job_data_map`] then recognises the few
//! shapes it knows (strings, boxed numbers and booleans, `java.util`
//! maps and lists, Scala's serialization proxies and small maps) as
//! [`LegacyValue`]s; anything else becomes [`LegacyValue::Unsupported`]
//! naming its class, never an error for the whole map.
//!
//! Every read is bounded: the input size (the caller's), nesting depth,
//! handles, nodes and collection sizes; a malformed or truncated stream is
//! an error naming the offset, never a panic.

use std::collections::BTreeMap;
use std::rc::Rc;

use cdp_spark_domain::migration::LegacyValue;

/// Deepest nesting of objects and arrays read.
pub const MAX_DEPTH: usize = 48;
/// Most objects, strings, arrays and blocks read from one stream.
pub const MAX_NODES: usize = 100_000;

const MAGIC: u16 = 0xACED;
const VERSION: u16 = 5;
const BASE_HANDLE: u32 = 0x7E_0000;

const TC_NULL: u8 = 0x70;
const TC_REFERENCE: u8 = 0x71;
const TC_CLASSDESC: u8 = 0x72;
const TC_OBJECT: u8 = 0x73;
const TC_STRING: u8 = 0x74;
const TC_ARRAY: u8 = 0x75;
const TC_CLASS: u8 = 0x76;
const TC_BLOCKDATA: u8 = 0x77;
const TC_ENDBLOCKDATA: u8 = 0x78;
const TC_RESET: u8 = 0x79;
const TC_BLOCKDATALONG: u8 = 0x7A;
const TC_LONGSTRING: u8 = 0x7C;
const TC_PROXYCLASSDESC: u8 = 0x7D;
const TC_ENUM: u8 = 0x7E;

const SC_WRITE_METHOD: u8 = 0x01;
const SC_SERIALIZABLE: u8 = 0x02;
const SC_EXTERNALIZABLE: u8 = 0x04;
const SC_BLOCK_DATA: u8 = 0x08;

/// Why bytes are not a serialized stream this reader accepts.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Java serialization at byte {offset}: {problem}")]
pub struct SerialError {
    pub offset: usize,
    pub problem: String,
}

/// Whether `bytes` start like a Java serialization stream.
pub fn is_java_serialized(bytes: &[u8]) -> bool {
    bytes.len() >= 2 && u16::from_be_bytes([bytes[0], bytes[1]]) == MAGIC
}

/// A node of the stream, as read.
#[derive(Debug, Clone)]
enum Node {
    Null,
    Str(Rc<str>),
    Object(Rc<Object>),
    Array(Rc<Vec<Node>>),
    Class(Rc<str>),
    Enum(Rc<str>, Rc<str>),
    Block,
    /// A reference to an object still being read (a cycle).
    Pending,
}

#[derive(Debug)]
struct Object {
    class: Rc<str>,
    /// Top superclass first, as the stream holds them.
    data: Vec<ClassData>,
}

#[derive(Debug)]
struct ClassData {
    fields: Vec<(Rc<str>, Node)>,
    /// What a `writeObject` (or `writeExternal`) wrote after the fields.
    annotation: Vec<Node>,
}

#[derive(Debug)]
struct Desc {
    name: Rc<str>,
    flags: u8,
    fields: Vec<(u8, Rc<str>)>,
    superclass: Option<Rc<Desc>>,
}

#[derive(Debug, Clone)]
enum Handle {
    Node(Node),
    Desc(Rc<Desc>),
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    handles: Vec<Handle>,
    nodes: usize,
}

type R<T> = Result<T, SerialError>;

impl<'a> Reader<'a> {
    fn fail<T>(&self, problem: impl Into<String>) -> R<T> {
        Err(SerialError {
            offset: self.at,
            problem: problem.into(),
        })
    }

    fn take(&mut self, n: usize) -> R<&'a [u8]> {
        match self
            .at
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
        {
            Some(end) => {
                let s = &self.bytes[self.at..end];
                self.at = end;
                Ok(s)
            }
            None => self.fail(format!("truncated: {n} more bytes expected")),
        }
    }

    fn u8(&mut self) -> R<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> R<u16> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> R<u32> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
    fn peek(&self) -> R<u8> {
        match self.bytes.get(self.at) {
            Some(b) => Ok(*b),
            None => self.fail("truncated: a type code expected"),
        }
    }

    fn count(&mut self) -> R<()> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return self.fail(format!("more than {MAX_NODES} values"));
        }
        Ok(())
    }

    /// Fills a handle made before its value was read (a reset in between
    /// is refused, so the index is still the value's).
    fn set_handle(&mut self, index: usize, h: Handle) {
        if let Some(slot) = self.handles.get_mut(index) {
            *slot = h;
        }
    }

    fn new_handle(&mut self, h: Handle) -> usize {
        self.handles.push(h);
        self.handles.len() - 1
    }

    fn utf(&mut self, len: usize) -> R<Rc<str>> {
        let start = self.at;
        let raw = self.take(len)?;
        match modified_utf8(raw) {
            Some(s) => Ok(s.into()),
            None => Err(SerialError {
                offset: start,
                problem: "a string is not modified UTF-8".into(),
            }),
        }
    }

    fn short_utf(&mut self) -> R<Rc<str>> {
        let len = self.u16()? as usize;
        self.utf(len)
    }

    fn reference(&mut self) -> R<Handle> {
        let handle = self.u32()?;
        let index = handle.wrapping_sub(BASE_HANDLE) as usize;
        match self.handles.get(index) {
            Some(h) => Ok(h.clone()),
            None => self.fail(format!("reference to unknown handle {handle:#x}")),
        }
    }

    /// `classDesc`: a new one, a proxy, null or a reference.
    fn class_desc(&mut self, depth: usize) -> R<Option<Rc<Desc>>> {
        if depth > MAX_DEPTH {
            return self.fail(format!("nested deeper than {MAX_DEPTH}"));
        }
        self.count()?;
        match self.u8()? {
            TC_NULL => Ok(None),
            TC_REFERENCE => match self.reference()? {
                Handle::Desc(d) => Ok(Some(d)),
                Handle::Node(_) => self.fail("a class descriptor reference names a value"),
            },
            TC_CLASSDESC => {
                let name = self.short_utf()?;
                self.take(8)?; // serialVersionUID
                let index = self.new_handle(Handle::Node(Node::Pending));
                let flags = self.u8()?;
                let n = self.u16()? as usize;
                let mut fields = Vec::with_capacity(n.min(256));
                for _ in 0..n {
                    let code = self.u8()?;
                    let field = self.short_utf()?;
                    match code {
                        b'B' | b'C' | b'D' | b'F' | b'I' | b'J' | b'S' | b'Z' => {}
                        b'L' | b'[' => {
                            // The field's type name, a string object.
                            self.content(depth + 1)?;
                        }
                        other => return self.fail(format!("unknown field type code {other:#x}")),
                    }
                    fields.push((code, field));
                }
                self.skip_annotation(depth + 1)?;
                let superclass = self.class_desc(depth + 1)?;
                let desc = Rc::new(Desc {
                    name,
                    flags,
                    fields,
                    superclass,
                });
                self.set_handle(index, Handle::Desc(desc.clone()));
                Ok(Some(desc))
            }
            TC_PROXYCLASSDESC => {
                let index = self.new_handle(Handle::Node(Node::Pending));
                let n = self.u32()? as usize;
                if n > 256 {
                    return self.fail(format!("a proxy class with {n} interfaces"));
                }
                for _ in 0..n {
                    self.short_utf()?;
                }
                self.skip_annotation(depth + 1)?;
                let superclass = self.class_desc(depth + 1)?;
                let desc = Rc::new(Desc {
                    name: "(proxy)".into(),
                    flags: SC_SERIALIZABLE,
                    fields: Vec::new(),
                    superclass,
                });
                self.set_handle(index, Handle::Desc(desc.clone()));
                Ok(Some(desc))
            }
            other => {
                self.at -= 1;
                self.fail(format!(
                    "type code {other:#x} where a class descriptor belongs"
                ))
            }
        }
    }

    fn skip_annotation(&mut self, depth: usize) -> R<()> {
        self.annotation(depth).map(|_| ())
    }

    /// Contents up to `TC_ENDBLOCKDATA`.
    fn annotation(&mut self, depth: usize) -> R<Vec<Node>> {
        let mut out = Vec::new();
        loop {
            if self.peek()? == TC_ENDBLOCKDATA {
                self.at += 1;
                return Ok(out);
            }
            out.push(self.content(depth)?);
        }
    }

    /// One `content`: an object or a block of data.
    fn content(&mut self, depth: usize) -> R<Node> {
        if depth > MAX_DEPTH {
            return self.fail(format!("nested deeper than {MAX_DEPTH}"));
        }
        self.count()?;
        let code = self.u8()?;
        match code {
            TC_NULL => Ok(Node::Null),
            TC_REFERENCE => match self.reference()? {
                Handle::Node(n) => Ok(n),
                Handle::Desc(d) => Ok(Node::Class(d.name.clone())),
            },
            TC_STRING | TC_LONGSTRING => {
                let len = if code == TC_STRING {
                    self.u16()? as usize
                } else {
                    let b = self.take(8)?;
                    let len = u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]);
                    usize::try_from(len).unwrap_or(usize::MAX)
                };
                let index = self.new_handle(Handle::Node(Node::Pending));
                let s = Node::Str(self.utf(len)?);
                self.set_handle(index, Handle::Node(s.clone()));
                Ok(s)
            }
            TC_CLASS => {
                let desc = self.class_desc(depth + 1)?;
                let name: Rc<str> = desc.map(|d| d.name.clone()).unwrap_or_else(|| "".into());
                let n = Node::Class(name);
                self.new_handle(Handle::Node(n.clone()));
                Ok(n)
            }
            TC_ENUM => {
                let desc = self.class_desc(depth + 1)?;
                let index = self.new_handle(Handle::Node(Node::Pending));
                let constant = match self.content(depth + 1)? {
                    Node::Str(s) => s,
                    _ => return self.fail("an enum constant's name is not a string"),
                };
                let class = desc.map(|d| d.name.clone()).unwrap_or_else(|| "".into());
                let n = Node::Enum(class, constant);
                self.set_handle(index, Handle::Node(n.clone()));
                Ok(n)
            }
            TC_ARRAY => self.array(depth),
            TC_OBJECT => self.object(depth),
            TC_BLOCKDATA => {
                let n = self.u8()? as usize;
                self.take(n)?;
                Ok(Node::Block)
            }
            TC_BLOCKDATALONG => {
                let n = self.u32()? as usize;
                self.take(n)?;
                Ok(Node::Block)
            }
            TC_RESET if depth == 0 => {
                self.handles.clear();
                self.content(depth)
            }
            other => {
                self.at -= 1;
                self.fail(format!("unsupported type code {other:#x}"))
            }
        }
    }

    fn array(&mut self, depth: usize) -> R<Node> {
        let Some(desc) = self.class_desc(depth + 1)? else {
            return self.fail("an array without a class");
        };
        let index = self.new_handle(Handle::Node(Node::Pending));
        let n = self.u32()? as usize;
        let element = desc.name.as_bytes().get(1).copied().unwrap_or(b'?');
        let width = primitive_width(element);
        let mut values = Vec::new();
        match width {
            Some(w) => {
                let total = n.saturating_mul(w);
                self.take(total)?;
            }
            None if element == b'L' || element == b'[' => {
                if n > self.bytes.len() - self.at {
                    return self.fail(format!("an array of {n} elements in fewer bytes"));
                }
                for _ in 0..n {
                    values.push(self.content(depth + 1)?);
                }
            }
            None => return self.fail(format!("array class {} is unknown", desc.name)),
        }
        let node = Node::Array(Rc::new(values));
        self.set_handle(index, Handle::Node(node.clone()));
        Ok(node)
    }

    fn object(&mut self, depth: usize) -> R<Node> {
        let Some(desc) = self.class_desc(depth + 1)? else {
            return self.fail("an object without a class");
        };
        let index = self.new_handle(Handle::Node(Node::Pending));
        let mut chain = Vec::new();
        let mut d = Some(desc.clone());
        while let Some(c) = d {
            if chain.len() > MAX_DEPTH {
                return self.fail("a class hierarchy deeper than the bound");
            }
            d = c.superclass.clone();
            chain.push(c);
        }
        chain.reverse();
        let mut data = Vec::with_capacity(chain.len());
        for c in chain {
            let mut fields = Vec::new();
            let mut annotation = Vec::new();
            if c.flags & SC_EXTERNALIZABLE != 0 {
                if c.flags & SC_BLOCK_DATA == 0 {
                    return self.fail(format!(
                        "class {} is externalizable in the old protocol, which cannot be skipped",
                        c.name
                    ));
                }
                annotation = self.annotation(depth + 1)?;
            } else if c.flags & SC_SERIALIZABLE != 0 {
                for (code, name) in &c.fields {
                    let value = match primitive_width(*code) {
                        Some(w) => {
                            let b = self.take(w)?;
                            primitive(*code, b)
                        }
                        None => self.content(depth + 1)?,
                    };
                    fields.push((name.clone(), value));
                }
                if c.flags & SC_WRITE_METHOD != 0 {
                    annotation = self.annotation(depth + 1)?;
                }
            }
            data.push(ClassData { fields, annotation });
        }
        let node = Node::Object(Rc::new(Object {
            class: desc.name.clone(),
            data,
        }));
        self.set_handle(index, Handle::Node(node.clone()));
        Ok(node)
    }
}

fn primitive_width(code: u8) -> Option<usize> {
    match code {
        b'B' | b'Z' => Some(1),
        b'C' | b'S' => Some(2),
        b'I' | b'F' => Some(4),
        b'J' | b'D' => Some(8),
        _ => None,
    }
}

/// A primitive field: integers and booleans kept (as a boxed number's
/// `value`), others as a block.
fn primitive(code: u8, b: &[u8]) -> Node {
    let int = match code {
        b'B' => Some(i64::from(b[0] as i8)),
        b'Z' => Some(i64::from(b[0] != 0)),
        b'S' => Some(i64::from(i16::from_be_bytes([b[0], b[1]]))),
        b'C' => Some(i64::from(u16::from_be_bytes([b[0], b[1]]))),
        b'I' => Some(i64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))),
        b'J' => Some(i64::from_be_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ])),
        _ => None,
    };
    match int {
        Some(v) => Node::Str(v.to_string().into()),
        None => Node::Block,
    }
}

/// Java's modified UTF-8 (`DataInput.readUTF`): NUL as `C0 80`, characters
/// past U+FFFF as two 3-byte surrogates.
fn modified_utf8(raw: &[u8]) -> Option<String> {
    let mut units: Vec<u16> = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if b < 0x80 {
            units.push(u16::from(b));
            i += 1;
        } else if b & 0xE0 == 0xC0 {
            let c = *raw.get(i + 1)?;
            if c & 0xC0 != 0x80 {
                return None;
            }
            units.push((u16::from(b & 0x1F) << 6) | u16::from(c & 0x3F));
            i += 2;
        } else if b & 0xF0 == 0xE0 {
            let (c, d) = (*raw.get(i + 1)?, *raw.get(i + 2)?);
            if c & 0xC0 != 0x80 || d & 0xC0 != 0x80 {
                return None;
            }
            units.push(
                (u16::from(b & 0x0F) << 12) | (u16::from(c & 0x3F) << 6) | u16::from(d & 0x3F),
            );
            i += 3;
        } else {
            return None;
        }
    }
    String::from_utf16(&units).ok()
}

/// The entries of a serialized `org.quartz.JobDataMap` (or any map this
/// reader recognises), by key.
pub fn job_data_map(bytes: &[u8]) -> Result<BTreeMap<String, LegacyValue>, SerialError> {
    let mut r = Reader {
        bytes,
        at: 0,
        handles: Vec::new(),
        nodes: 0,
    };
    if r.u16()? != MAGIC {
        return Err(SerialError {
            offset: 0,
            problem: "no stream magic 0xACED".into(),
        });
    }
    let version = r.u16()?;
    if version != VERSION {
        return r.fail(format!("stream version {version}, not 5"));
    }
    let top = r.content(0)?;
    let whole = |problem: String| SerialError { offset: 4, problem };
    let Node::Object(object) = &top else {
        return Err(whole("the stream does not hold an object".into()));
    };
    // Values read out are bounded like the nodes read in: shared
    // references cannot multiply them.
    let mut budget = MAX_NODES;
    let entries = match field(object, "map") {
        Some(Node::Object(map)) => map_entries(map, 0, &mut budget),
        _ => map_entries(object, 0, &mut budget),
    };
    let Some(entries) = entries else {
        return Err(whole(format!(
            "the stream holds a {}, not a JobDataMap",
            object.class
        )));
    };
    let mut out = BTreeMap::new();
    for (k, v) in entries {
        match k {
            LegacyValue::Text(k) => {
                out.insert(k, v);
            }
            other => {
                return Err(whole(format!(
                    "a key of the map is not a string but {}",
                    other.kind()
                )))
            }
        }
    }
    if budget == 0 {
        return Err(whole(format!("more than {MAX_NODES} values")));
    }
    Ok(out)
}

fn field<'o>(object: &'o Object, name: &str) -> Option<&'o Node> {
    object
        .data
        .iter()
        .flat_map(|d| d.fields.iter())
        .find(|(n, _)| &**n == name)
        .map(|(_, v)| v)
}

/// A field of a Scala class by its source name: as written, or as scalac
/// expands a private field an inner class reads
/// (`scala$collection$immutable$Map$Map2$$key1`).
fn scala_field<'o>(object: &'o Object, name: &str) -> Option<&'o Node> {
    let expanded = format!("$${name}");
    object
        .data
        .iter()
        .flat_map(|d| d.fields.iter())
        .find(|(n, _)| &**n == name || n.ends_with(&expanded))
        .map(|(_, v)| v)
}

/// The objects a class's `writeObject` wrote, data blocks and Scala's end
/// markers left out.
fn written(object: &Object) -> Vec<&Node> {
    object
        .data
        .iter()
        .flat_map(|d| d.annotation.iter())
        .filter(|n| !matches!(n, Node::Block) && !is_end_marker(n))
        .collect()
}

const MAP_CLASSES: [&str; 6] = [
    "java.util.HashMap",
    "java.util.LinkedHashMap",
    "java.util.TreeMap",
    "java.util.Hashtable",
    "java.util.Properties",
    "scala.collection.immutable.HashMap$SerializationProxy",
];

const LIST_CLASSES: [&str; 6] = [
    "java.util.ArrayList",
    "java.util.LinkedList",
    "java.util.Vector",
    "java.util.ArrayDeque",
    "scala.collection.immutable.List$SerializationProxy",
    "scala.collection.generic.DefaultSerializationProxy",
];

/// The Scala `object` a node is: its own class (`Nil$`), or the class a
/// Scala 2.13 `ModuleSerializationProxy` names (every serializable
/// `object` is written as one).
fn module_name(o: &Object) -> Option<&str> {
    if &*o.class == "scala.runtime.ModuleSerializationProxy" {
        return match field(o, "moduleClass") {
            Some(Node::Class(c)) => Some(c),
            _ => None,
        };
    }
    o.class.ends_with('$').then_some(&*o.class)
}

/// Scala 2.13's `SerializeEnd$` and 2.12's `ListSerializeEnd$`.
fn is_end_marker(node: &Node) -> bool {
    matches!(node, Node::Object(o) if module_name(o).is_some_and(|m| m.ends_with("SerializeEnd$")))
}

type Entries = Vec<(LegacyValue, LegacyValue)>;

fn map_entries(object: &Object, depth: usize, budget: &mut usize) -> Option<Entries> {
    let class = &*object.class;
    let mut v = |n: Option<&Node>| match n {
        Some(n) => value(n, depth + 1, budget),
        None => LegacyValue::Null,
    };
    if MAP_CLASSES.contains(&class) {
        let items = written(object);
        return Some(
            items
                .chunks(2)
                .map(|kv| (v(kv.first().copied()), v(kv.get(1).copied())))
                .collect(),
        );
    }
    if class.starts_with("scala.collection.immutable.Map$Map") {
        let mut out = Vec::new();
        for n in 1..=4 {
            let (k, x) = (
                scala_field(object, &format!("key{n}")),
                scala_field(object, &format!("value{n}")),
            );
            if k.is_some() {
                out.push((v(k), v(x)));
            }
        }
        return Some(out);
    }
    if class == "scala.collection.generic.DefaultSerializationProxy" && is_map_proxy(object) {
        return Some(
            written(object)
                .into_iter()
                .map(|n| match n {
                    Node::Object(t) if t.class.starts_with("scala.Tuple2") => {
                        (v(field(t, "_1")), v(field(t, "_2")))
                    }
                    other => (v(Some(other)), LegacyValue::Null),
                })
                .collect(),
        );
    }
    None
}

/// Whether a Scala proxy's factory builds maps (a `MapFactory`).
fn is_map_proxy(object: &Object) -> bool {
    fn names_map(node: &Node, depth: usize) -> bool {
        match node {
            Node::Object(o) if depth < 4 => {
                o.class.contains("Map")
                    || o.data
                        .iter()
                        .flat_map(|d| d.fields.iter())
                        .any(|(_, v)| names_map(v, depth + 1))
            }
            Node::Class(c) => c.contains("Map"),
            _ => false,
        }
    }
    field(object, "factory").is_some_and(|f| names_map(f, 0))
}

/// Deepest nesting of values given back (a list in a map in a list...).
const NESTING: usize = 8;

fn value(node: &Node, depth: usize, budget: &mut usize) -> LegacyValue {
    if depth > NESTING {
        return LegacyValue::Unsupported("(nested too deep)".into());
    }
    if *budget == 0 {
        return LegacyValue::Unsupported("(too many values)".into());
    }
    *budget -= 1;
    match node {
        Node::Null => LegacyValue::Null,
        Node::Str(s) => LegacyValue::Text(s.to_string()),
        Node::Enum(class, constant) => LegacyValue::Unsupported(format!("{class}.{constant}")),
        Node::Class(c) => LegacyValue::Unsupported(format!("class {c}")),
        Node::Block | Node::Pending => LegacyValue::Unsupported("(raw data)".into()),
        Node::Array(items) => {
            LegacyValue::List(items.iter().map(|n| value(n, depth + 1, budget)).collect())
        }
        Node::Object(o) => object_value(o, depth, budget),
    }
}

fn object_value(o: &Object, depth: usize, budget: &mut usize) -> LegacyValue {
    let class = &*o.class;
    let number = || match field(o, "value") {
        Some(Node::Str(s)) => s.parse::<i64>().ok(),
        _ => None,
    };
    match class {
        "java.lang.Integer" | "java.lang.Long" | "java.lang.Short" | "java.lang.Byte" => {
            return number().map_or_else(
                || LegacyValue::Unsupported(class.to_string()),
                LegacyValue::Integer,
            )
        }
        "java.lang.Boolean" => {
            return number().map_or_else(
                || LegacyValue::Unsupported(class.to_string()),
                |v| LegacyValue::Boolean(v != 0),
            )
        }
        _ => {}
    }
    match module_name(o) {
        Some("scala.collection.immutable.Nil$") => return LegacyValue::List(Vec::new()),
        Some("scala.collection.immutable.Map$EmptyMap$") => return LegacyValue::Map(Vec::new()),
        _ => {}
    }
    if let Some(entries) = map_entries(o, depth, budget) {
        return LegacyValue::Map(entries);
    }
    let items: Vec<&Node> = if LIST_CLASSES.contains(&class) {
        written(o)
    } else if class == "java.util.Arrays$ArrayList" {
        match field(o, "a") {
            Some(Node::Array(items)) => items.iter().collect(),
            _ => return LegacyValue::Unsupported(class.to_string()),
        }
    } else {
        return LegacyValue::Unsupported(class.to_string());
    };
    LegacyValue::List(
        items
            .into_iter()
            .map(|n| value(n, depth + 1, budget))
            .collect(),
    )
}

#[cfg(test)]
#[path = "java_serial_tests.rs"]
mod tests;
