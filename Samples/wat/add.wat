;; add: direct mode, `moc call add --start add 2 3` returns 5. No imports at all.
(module
  (func (export "add") (param $a i32) (param $b i32) (result i32)
    (i32.add (local.get $a) (local.get $b))))
