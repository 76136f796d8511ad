//! `pointe demo`: the README's main command.

use crate::Env;

#[test]
fn the_demo_loads_the_bundled_catalog_without_touching_the_data_dir() {
    let env = Env::new();
    let demo_dir = env.dir.path().join("demo");
    let run = env
        .run(&["demo", "--dir", demo_dir.to_str().unwrap()])
        .expect_code(0);
    assert!(run.stdout.contains("25 of 25 products"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Leather Bow Ballet Pumps"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Harvey & Co"), "{}", run.stdout);
    assert!(demo_dir.join("pointe.db").exists());
    assert!(
        !env.data_dir().exists(),
        "the demo must not touch --data-dir"
    );

    // Running it again starts afresh rather than piling up history.
    let again = env
        .run(&["demo", "--dir", demo_dir.to_str().unwrap()])
        .expect_code(0);
    assert!(
        again.stdout.contains("25 of 25 products"),
        "{}",
        again.stdout
    );
}

#[test]
fn the_demo_refuses_a_directory_that_is_not_its_own() {
    let env = Env::new();
    let precious = env.dir.path().join("precious");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("thesis.txt"), "do not delete").unwrap();
    env.run(&["demo", "--dir", precious.to_str().unwrap()])
        .expect_code(1);
    assert!(precious.join("thesis.txt").exists());
}
