//! `check_main_class` on real jars built by `javac` + `jar`, checked against
//! what the JVM itself does with the same classes.

use crate::support::byte_sources;
use cdp_spark_testkit::javajar;

use std::collections::BTreeMap;
use std::path::Path;

use byte_sources::{Counting, FileSource};
use cdp_spark_domain::jar::{check_main_class, MainClassCheck};
use javajar::{Compiled, Packing};

/// The classes every test here looks at, one per case.
const SOURCES: &[javajar::JavaSource<'static>] = &[
    (
        "com/acme/Main.java",
        "package com.acme;\npublic class Main { public static void main(String[] args) {} }\n",
    ),
    (
        "com/acme/Varargs.java",
        "package com.acme;\npublic class Varargs { public static void main(String... args) {} }\n",
    ),
    (
        "com/acme/NoMain.java",
        "package com.acme;\npublic class NoMain {\n  public static void run(String[] args) {}\n  public static int main(int x) { return x; }\n}\n",
    ),
    (
        "com/acme/Empty.java",
        "package com.acme;\npublic class Empty {}\n",
    ),
    (
        "com/acme/NotStatic.java",
        "package com.acme;\npublic class NotStatic { public void main(String[] args) {} }\n",
    ),
    (
        "com/acme/NotPublic.java",
        "package com.acme;\npublic class NotPublic { static void main(String[] args) {} }\n",
    ),
    (
        "com/acme/PrivateMain.java",
        "package com.acme;\npublic class PrivateMain { private static void main(String[] args) {} }\n",
    ),
    (
        "com/acme/HiddenClass.java",
        "package com.acme;\nclass HiddenClass { public static void main(String[] args) {} }\n",
    ),
    (
        "com/acme/ReturnsInt.java",
        "package com.acme;\npublic class ReturnsInt { public static int main(String[] args) { return 0; } }\n",
    ),
    // What scalac makes of `object ScalaJob { def main(args: Array[String]): Unit = () }`:
    // the module class ScalaJob$ with an instance main, and a static
    // forwarder in class ScalaJob.
    (
        "com/acme/ScalaJob.java",
        "package com.acme;\npublic final class ScalaJob {\n  public static void main(String[] args) { ScalaJob$.MODULE$.main(args); }\n}\n",
    ),
    (
        "com/acme/ScalaJob$.java",
        "package com.acme;\npublic final class ScalaJob$ {\n  public static final ScalaJob$ MODULE$ = new ScalaJob$();\n  private ScalaJob$() {}\n  public void main(String[] args) {}\n}\n",
    ),
    (
        "com/acme/Outer.java",
        "package com.acme;\npublic class Outer {\n  public static class Inner { public static void main(String[] args) {} }\n}\n",
    ),
    (
        "com/acme/BaseJob.java",
        "package com.acme;\npublic abstract class BaseJob { public static void main(String[] args) {} }\n",
    ),
    (
        "com/acme/ChildJob.java",
        "package com.acme;\npublic class ChildJob extends BaseJob {}\n",
    ),
    (
        "com/acme/IfaceJob.java",
        "package com.acme;\npublic interface IfaceJob { static void main(String[] args) {} }\n",
    ),
    (
        "com/acme/jobs/daily/DailyJob.java",
        "package com.acme.jobs.daily;\npublic class DailyJob { public static void main(String[] args) {} }\n",
    ),
    (
        "com/acme/reports/DailyJob.java",
        "package com.acme.reports;\npublic class DailyJob { public static void main(String[] args) {} }\n",
    ),
    // Calls main the way spark-submit does (JavaMainApplication /
    // ApplicationMaster): getMethod, static check, invoke from another package.
    (
        "org/example/harness/SparkLikeInvoker.java",
        r#"package org.example.harness;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
public final class SparkLikeInvoker {
  public static void main(String[] names) {
    for (String name : names) {
      String verdict;
      try {
        Class<?> c = Class.forName(name, false, SparkLikeInvoker.class.getClassLoader());
        Method m = c.getMethod("main", String[].class);
        if (!Modifier.isStatic(m.getModifiers())) {
          throw new IllegalStateException("The main method in the given main class must be static");
        }
        m.invoke(null, (Object) new String[0]);
        verdict = "OK";
      } catch (Throwable t) {
        verdict = "FAIL " + t;
      }
      System.out.println(name + "\t" + verdict);
    }
  }
}
"#,
    ),
];

fn compiled() -> Compiled {
    javajar::compile("jar-main-class", SOURCES)
}

async fn check(jar: &Path, class: &str) -> MainClassCheck {
    check_main_class(&FileSource::open(jar), class)
        .await
        .unwrap_or_else(|e| panic!("{class} in {}: {e}", jar.display()))
}

fn detail(result: &MainClassCheck) -> &str {
    match result {
        MainClassCheck::NoMainMethod { detail, .. } => detail,
        other => panic!("expected NoMainMethod, got {other:?}"),
    }
}

#[tokio::test]
async fn public_static_void_main_is_found_in_deflated_and_stored_jars() {
    let c = compiled();
    for packing in [Packing::Deflated, Packing::Stored] {
        let jar = c.jar(packing);
        for class in ["com.acme.Main", "com.acme.Varargs", "com.acme.IfaceJob"] {
            assert_eq!(
                check(&jar, class).await,
                MainClassCheck::HasMain {
                    entry: format!("{}.class", class.replace('.', "/"))
                },
                "{class} ({packing:?})"
            );
        }
    }
}

#[tokio::test]
async fn a_class_without_main_says_what_it_has_instead() {
    let jar = compiled().jar(Packing::Deflated);
    let result = check(&jar, "com.acme.NoMain").await;
    assert!(
        matches!(&result, MainClassCheck::NoMainMethod { entry, .. } if entry == "com/acme/NoMain.class")
    );
    let d = detail(&result);
    assert!(
        d.contains("no method main(String[])") && d.contains("main(int)"),
        "{d}"
    );
    let d = check(&jar, "com.acme.Empty").await;
    assert_eq!(detail(&d), "no method main(String[]) in com.acme.Empty");
}

#[tokio::test]
async fn main_not_static_not_public_or_not_void_is_reported_as_such() {
    let jar = compiled().jar(Packing::Deflated);
    let d = check(&jar, "com.acme.NotStatic").await;
    assert!(detail(&d).contains("is not static"), "{d:?}");
    let d = check(&jar, "com.acme.NotPublic").await;
    assert!(
        detail(&d).contains("is package-private, not public"),
        "{d:?}"
    );
    let d = check(&jar, "com.acme.PrivateMain").await;
    assert!(detail(&d).contains("is private, not public"), "{d:?}");
    let d = check(&jar, "com.acme.ReturnsInt").await;
    assert!(detail(&d).contains("returns int instead of void"), "{d:?}");
}

#[tokio::test]
async fn a_non_public_class_is_refused_because_spark_submit_cannot_invoke_it() {
    let jar = compiled().jar(Packing::Deflated);
    let d = check(&jar, "com.acme.HiddenClass").await;
    let d = detail(&d);
    assert!(
        d.contains("the class is package-private, not public"),
        "{d}"
    );
    assert!(d.contains("spark-submit"), "{d}");
}

#[tokio::test]
async fn a_scala_object_passes_through_its_static_forwarder() {
    let jar = compiled().jar(Packing::Deflated);
    assert!(matches!(
        check(&jar, "com.acme.ScalaJob").await,
        MainClassCheck::HasMain { .. }
    ));
    // The module class itself has only the instance method: the detail
    // points at the name without `$`.
    let d = check(&jar, "com.acme.ScalaJob$").await;
    assert!(
        detail(&d).contains("use com.acme.ScalaJob (without the $)"),
        "{d:?}"
    );
}

#[tokio::test]
async fn nested_classes_use_the_binary_dollar_name() {
    let jar = compiled().jar(Packing::Deflated);
    assert_eq!(
        check(&jar, "com.acme.Outer$Inner").await,
        MainClassCheck::HasMain {
            entry: "com/acme/Outer$Inner.class".into()
        }
    );
    // The source form is not a binary name; the similar list shows the fix.
    assert_eq!(
        check(&jar, "com.acme.Outer.Inner").await,
        MainClassCheck::ClassNotFound {
            entry: "com/acme/Outer/Inner.class".into(),
            similar: vec!["com/acme/Outer$Inner.class".into()],
        }
    );
}

#[tokio::test]
async fn an_inherited_main_from_a_superclass_in_the_jar_counts() {
    let c = compiled();
    let jar = c.jar(Packing::Stored);
    let source = Counting::new(FileSource::open(&jar));
    assert_eq!(
        check_main_class(&source, "com.acme.ChildJob").await,
        Ok(MainClassCheck::HasMain {
            entry: "com/acme/ChildJob.class".into()
        })
    );
    // A small jar is all in the tail: one read, for both classes.
    assert_eq!(source.reads(), 1, "{:?}", source.ranges());
}

#[tokio::test]
async fn a_near_miss_in_another_package_is_listed_as_similar() {
    let jar = compiled().jar(Packing::Deflated);
    assert_eq!(
        check(&jar, "com.acme.jobs.DailyJob").await,
        MainClassCheck::ClassNotFound {
            entry: "com/acme/jobs/DailyJob.class".into(),
            similar: vec![
                "com/acme/reports/DailyJob.class".into(),
                "com/acme/jobs/daily/DailyJob.class".into(),
            ],
        }
    );
    // A case slip: the right-case entry is offered.
    assert_eq!(
        check(&jar, "com.acme.jobs.daily.Dailyjob").await,
        MainClassCheck::ClassNotFound {
            entry: "com/acme/jobs/daily/Dailyjob.class".into(),
            similar: vec![
                "com/acme/reports/DailyJob.class".into(),
                "com/acme/jobs/daily/DailyJob.class".into(),
            ],
        }
    );
    assert_eq!(
        check(&jar, "org.nothing.Like.This").await,
        MainClassCheck::ClassNotFound {
            entry: "org/nothing/Like/This.class".into(),
            similar: vec![],
        }
    );
}

/// Every verdict agrees with what the JVM does when spark-submit's way of
/// calling main is applied to the same class, except one deliberate
/// strictness: a `main(String[])` returning non-void is refused here (the
/// `java` launcher refuses it too; spark-submit would call it).
#[tokio::test]
async fn verdicts_match_the_jvm_calling_main_like_spark_submit() {
    let c = compiled();
    let jar = c.jar(Packing::Deflated);
    let classes = [
        "com.acme.Main",
        "com.acme.Varargs",
        "com.acme.NoMain",
        "com.acme.Empty",
        "com.acme.NotStatic",
        "com.acme.NotPublic",
        "com.acme.PrivateMain",
        "com.acme.HiddenClass",
        "com.acme.ScalaJob",
        "com.acme.ScalaJob$",
        "com.acme.Outer$Inner",
        "com.acme.Outer.Inner",
        "com.acme.ChildJob",
        "com.acme.IfaceJob",
        "com.acme.jobs.DailyJob",
    ];
    let out = javajar::run_java(&jar, "org.example.harness.SparkLikeInvoker", &classes);
    let jvm: BTreeMap<&str, bool> = out
        .lines()
        .filter_map(|line| line.split_once('\t'))
        .map(|(name, verdict)| (name, verdict == "OK"))
        .collect();
    assert_eq!(jvm.len(), classes.len(), "harness output:\n{out}");
    for class in classes {
        let ours = matches!(check(&jar, class).await, MainClassCheck::HasMain { .. });
        assert_eq!(ours, jvm[class], "{class}: JVM said\n{out}");
    }
    // The deliberate difference, so that it stays a known one.
    let out = javajar::run_java(
        &jar,
        "org.example.harness.SparkLikeInvoker",
        &["com.acme.ReturnsInt"],
    );
    assert!(out.contains("com.acme.ReturnsInt\tOK"), "{out}");
    assert!(matches!(
        check(&jar, "com.acme.ReturnsInt").await,
        MainClassCheck::NoMainMethod { .. }
    ));
}
