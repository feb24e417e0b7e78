//! Just enough of the JVM class file format (JVMS chapter 4) to answer
//! "which class is this, what does it extend, and what are its `main`
//! methods": magic, version, the constant pool (every tag up to Java 21+),
//! access flags, this/super class, and the methods' flags, names and
//! descriptors. Fields and attributes are skipped by their lengths.

pub(super) const ACC_PUBLIC: u16 = 0x0001;
pub(super) const ACC_PRIVATE: u16 = 0x0002;
pub(super) const ACC_PROTECTED: u16 = 0x0004;
pub(super) const ACC_STATIC: u16 = 0x0008;

/// First class file version (JDK 1.0.2); anything lower is not a class file.
const MIN_MAJOR: u16 = 45;

/// A parsed class file, reduced to what the main-method check needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ClassFile {
    pub major: u16,
    pub access: u16,
    /// Internal name (`com/acme/Main`).
    pub this_class: String,
    /// Internal name of the superclass; `None` only for `java/lang/Object`
    /// and module-info.
    pub super_class: Option<String>,
    /// The methods named `main`, in declaration order.
    pub mains: Vec<MethodInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct MethodInfo {
    pub access: u16,
    pub descriptor: String,
}

/// A constant pool slot, reduced to the kinds read later.
#[derive(Clone, Copy)]
enum Constant {
    /// Byte range of a CONSTANT_Utf8 in the class file.
    Utf8(usize, usize),
    /// CONSTANT_Class: index of its name.
    Class(u16),
    Other,
    /// The unusable slot after a Long or Double, and slot 0.
    Unusable,
}

struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], String> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let Some(end) = end else {
            return Err(format!(
                "the class file ends at byte {} while reading {what} ({n} bytes at byte {})",
                self.bytes.len(),
                self.pos
            ));
        };
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn u16(&mut self, what: &str) -> Result<u16, String> {
        let b = self.take(2, what)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&mut self, what: &str) -> Result<u32, String> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn skip_attributes(&mut self, owner: &str) -> Result<(), String> {
        let count = self.u16(owner)?;
        for _ in 0..count {
            self.u16(owner)?;
            let len = self.u32(owner)?;
            self.take(len as usize, owner)?;
        }
        Ok(())
    }
}

impl ClassFile {
    /// Parse a class file; the error says what is wrong and where.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        let mut c = Cursor { bytes, pos: 0 };
        let magic = c.u32("the magic number")?;
        if magic != 0xCAFE_BABE {
            return Err(format!(
                "it does not start with the class file magic number CAFEBABE (found {magic:08X})"
            ));
        }
        let _minor = c.u16("the minor version")?;
        let major = c.u16("the major version")?;
        if major < MIN_MAJOR {
            return Err(format!("its class file version {major} is not a valid one"));
        }
        let pool = parse_constant_pool(&mut c, major)?;
        let utf8 = |index: u16, what: &str| -> Result<&[u8], String> {
            match pool.get(usize::from(index)) {
                Some(Constant::Utf8(from, to)) => Ok(&bytes[*from..*to]),
                _ => Err(format!(
                    "{what} (constant #{index}) is not a UTF-8 constant"
                )),
            }
        };
        let class_name = |index: u16, what: &str| -> Result<String, String> {
            match pool.get(usize::from(index)) {
                Some(Constant::Class(name)) => Ok(text(utf8(*name, what)?)),
                _ => Err(format!(
                    "{what} (constant #{index}) is not a class constant"
                )),
            }
        };

        let access = c.u16("the class access flags")?;
        let this_index = c.u16("this_class")?;
        let this_class = class_name(this_index, "this_class")?;
        let super_index = c.u16("super_class")?;
        let super_class = match super_index {
            0 => None,
            i => Some(class_name(i, "super_class")?),
        };
        let interfaces = c.u16("the interface count")?;
        c.take(usize::from(interfaces) * 2, "the interfaces")?;

        let fields = c.u16("the field count")?;
        for _ in 0..fields {
            c.take(6, "a field")?;
            c.skip_attributes("a field's attributes")?;
        }

        let methods = c.u16("the method count")?;
        let mut mains = Vec::new();
        for _ in 0..methods {
            let flags = c.u16("a method's access flags")?;
            let name = c.u16("a method's name")?;
            let descriptor = c.u16("a method's descriptor")?;
            c.skip_attributes("a method's attributes")?;
            if utf8(name, "a method name")? == b"main" {
                mains.push(MethodInfo {
                    access: flags,
                    descriptor: text(utf8(descriptor, "a method descriptor")?),
                });
            }
        }
        Ok(ClassFile {
            major,
            access,
            this_class,
            super_class,
            mains,
        })
    }
}

fn parse_constant_pool(c: &mut Cursor<'_>, major: u16) -> Result<Vec<Constant>, String> {
    let count = usize::from(c.u16("the constant pool count")?);
    let mut pool = vec![Constant::Unusable; count.max(1)];
    let mut index = 1;
    while index < count {
        let what = format!("constant #{index}");
        let tag = c.take(1, &what)?[0];
        let entry = match tag {
            // Utf8
            1 => {
                let len = usize::from(c.u16(&what)?);
                let from = c.pos;
                c.take(len, &what)?;
                Constant::Utf8(from, from + len)
            }
            // Integer, Float
            3 | 4 => {
                c.take(4, &what)?;
                Constant::Other
            }
            // Long, Double: take two slots
            5 | 6 => {
                c.take(8, &what)?;
                pool[index] = Constant::Other;
                index += 2;
                continue;
            }
            // Class
            7 => Constant::Class(c.u16(&what)?),
            // String, MethodType, Module, Package
            8 | 16 | 19 | 20 => {
                c.take(2, &what)?;
                Constant::Other
            }
            // Fieldref, Methodref, InterfaceMethodref, NameAndType,
            // Dynamic, InvokeDynamic
            9 | 10 | 11 | 12 | 17 | 18 => {
                c.take(4, &what)?;
                Constant::Other
            }
            // MethodHandle
            15 => {
                c.take(3, &what)?;
                Constant::Other
            }
            other => {
                return Err(format!(
                    "constant #{index} has the unknown tag {other} (class file version {major})"
                ))
            }
        };
        pool[index] = entry;
        index += 1;
    }
    Ok(pool)
}

/// A class file string (modified UTF-8) as text. Names and descriptors
/// only differ from UTF-8 for NUL and supplementary characters, which a
/// lossy decode renders readably enough for messages and comparisons.
fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// `com/acme/Outer$Inner` → `com.acme.Outer$Inner`.
pub(super) fn binary_name(internal: &str) -> String {
    internal.replace('/', ".")
}

/// The Java source form of a method descriptor's return type.
pub(super) fn return_type(descriptor: &str) -> String {
    let ret = descriptor.rsplit(')').next().unwrap_or("");
    java_type(ret)
}

/// `([Ljava/lang/String;I)V` → `String[], int`.
pub(super) fn parameter_types(descriptor: &str) -> String {
    let inner = descriptor
        .strip_prefix('(')
        .and_then(|d| d.split(')').next())
        .unwrap_or("");
    let mut out = Vec::new();
    let mut rest = inner;
    while !rest.is_empty() {
        let dims = rest.len() - rest.trim_start_matches('[').len();
        let after = &rest[dims..];
        // One type: `Lname;` or a single character (which a damaged class
        // may make multi-byte: never cut one in half).
        let len = if after.starts_with('L') {
            after.find(';').map_or(after.len(), |i| i + 1)
        } else {
            after.chars().next().map_or(0, char::len_utf8)
        };
        if len == 0 {
            break;
        }
        out.push(java_type(&rest[..dims + len]));
        rest = &after[len..];
    }
    out.join(", ")
}

fn java_type(descriptor: &str) -> String {
    let dims = descriptor.len() - descriptor.trim_start_matches('[').len();
    let base = &descriptor[dims..];
    let name = match base {
        "V" => "void".to_string(),
        "Z" => "boolean".to_string(),
        "B" => "byte".to_string(),
        "C" => "char".to_string(),
        "S" => "short".to_string(),
        "I" => "int".to_string(),
        "J" => "long".to_string(),
        "F" => "float".to_string(),
        "D" => "double".to_string(),
        other => {
            let class = other.strip_prefix('L').and_then(|o| o.strip_suffix(';'));
            let class = class.unwrap_or(other);
            let simple = class.strip_prefix("java/lang/").unwrap_or(class);
            binary_name(simple)
        }
    };
    format!("{name}{}", "[]".repeat(dims))
}

/// `public`, `protected`, `private` or `package-private`.
pub(super) fn visibility(access: u16) -> &'static str {
    if access & ACC_PUBLIC != 0 {
        "public"
    } else if access & ACC_PROTECTED != 0 {
        "protected"
    } else if access & ACC_PRIVATE != 0 {
        "private"
    } else {
        "package-private"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_types_of_a_damaged_descriptor_do_not_cut_a_character() {
        // Found by scripts/fuzz.sh (classfile): a multi-byte character where
        // a one-letter type belongs made the reader slice inside it.
        assert_eq!(parameter_types("([\u{91}I)V"), "\u{91}[], int");
        assert!(!parameter_types("(é)V").is_empty());
        assert_eq!(parameter_types("([Ljava/lang/String;I)V"), "String[], int");
    }

    /// A class file assembled by hand: `public class a/B extends
    /// java/lang/Object` with the given methods, a Long constant (two
    /// slots) and one of every other constant kind before them.
    fn class_with(methods: &[(u16, &str, &str)]) -> Vec<u8> {
        let mut pool: Vec<Vec<u8>> = Vec::new();
        let utf8 = |s: &str| {
            let mut v = vec![1u8];
            v.extend_from_slice(&(s.len() as u16).to_be_bytes());
            v.extend_from_slice(s.as_bytes());
            v
        };
        pool.push(utf8("a/B")); // #1
        pool.push(vec![7, 0, 1]); // #2 Class a/B
        pool.push(utf8("java/lang/Object")); // #3
        pool.push(vec![7, 0, 3]); // #4 Class Object
        pool.push(vec![5, 0, 0, 0, 0, 0, 0, 0, 1]); // #5,#6 Long
        pool.push(vec![3, 0, 0, 0, 1]); // #7 Integer
        pool.push(vec![15, 6, 0, 2]); // #8 MethodHandle
        pool.push(vec![16, 0, 1]); // #9 MethodType
        pool.push(vec![17, 0, 0, 0, 1]); // #10 Dynamic
        pool.push(vec![18, 0, 0, 0, 1]); // #11 InvokeDynamic
        pool.push(vec![19, 0, 1]); // #12 Module
        pool.push(vec![20, 0, 1]); // #13 Package
        let mut next = 14u16;
        let mut method_bytes = Vec::new();
        for (flags, name, descriptor) in methods {
            pool.push(utf8(name));
            pool.push(utf8(descriptor));
            method_bytes.extend_from_slice(&flags.to_be_bytes());
            method_bytes.extend_from_slice(&next.to_be_bytes());
            method_bytes.extend_from_slice(&(next + 1).to_be_bytes());
            // one attribute of 3 bytes, skipped by length
            method_bytes.extend_from_slice(&[0, 1, 0, 1, 0, 0, 0, 3, 9, 9, 9]);
            next += 2;
        }
        let mut out = vec![0xCA, 0xFE, 0xBA, 0xBE, 0, 0, 0, 65];
        out.extend_from_slice(&next.to_be_bytes());
        for entry in &pool {
            out.extend_from_slice(entry);
        }
        out.extend_from_slice(&[0x00, 0x21, 0, 2, 0, 4, 0, 0, 0, 0]);
        out.extend_from_slice(&(methods.len() as u16).to_be_bytes());
        out.extend_from_slice(&method_bytes);
        out.extend_from_slice(&[0, 0]);
        out
    }

    #[test]
    fn parses_every_constant_kind_and_keeps_only_main_methods() {
        let bytes = class_with(&[
            (ACC_PUBLIC, "run", "()V"),
            (ACC_PUBLIC | ACC_STATIC, "main", "([Ljava/lang/String;)V"),
        ]);
        let class = ClassFile::parse(&bytes).expect("parses");
        assert_eq!(class.major, 65);
        assert_eq!(class.this_class, "a/B");
        assert_eq!(class.super_class.as_deref(), Some("java/lang/Object"));
        assert_eq!(class.access & ACC_PUBLIC, ACC_PUBLIC);
        assert_eq!(
            class.mains,
            vec![MethodInfo {
                access: ACC_PUBLIC | ACC_STATIC,
                descriptor: "([Ljava/lang/String;)V".into()
            }]
        );
    }

    #[test]
    fn every_truncation_is_an_error_naming_what_was_being_read() {
        let bytes = class_with(&[(ACC_PUBLIC | ACC_STATIC, "main", "([Ljava/lang/String;)V")]);
        // The class attributes after the methods are not read.
        for cut in 0..bytes.len() - 2 {
            let err = ClassFile::parse(&bytes[..cut]).expect_err("truncated");
            assert!(err.contains("ends at byte"), "cut at {cut}: {err}");
        }
    }

    #[test]
    fn unknown_constant_tags_and_bad_magic_are_rejected() {
        let mut bytes = class_with(&[]);
        bytes[10] = 2; // the first constant's tag: 2 is unassigned
        let err = ClassFile::parse(&bytes).expect_err("bad tag");
        assert!(err.contains("unknown tag 2"), "{err}");
        let err = ClassFile::parse(b"PK\x03\x04xxxx").expect_err("bad magic");
        assert!(err.contains("CAFEBABE"), "{err}");
    }

    #[test]
    fn descriptors_read_as_java() {
        assert_eq!(parameter_types("([Ljava/lang/String;)V"), "String[]");
        assert_eq!(
            parameter_types("(I[[JLcom/a/B;)V"),
            "int, long[][], com.a.B"
        );
        assert_eq!(parameter_types("()V"), "");
        assert_eq!(return_type("([Ljava/lang/String;)I"), "int");
        assert_eq!(return_type("()Ljava/lang/Object;"), "Object");
        assert_eq!(visibility(ACC_PRIVATE | ACC_STATIC), "private");
        assert_eq!(visibility(0), "package-private");
    }
}
