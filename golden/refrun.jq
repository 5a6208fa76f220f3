# refrun.jq: rewrite the PyTorch reference runs (one JSON line per epoch
# and a first "meta" line; see golden/README.md) as rn-train JSON Lines
# (doc/FORMATS.md), so that acc-check and acc-plot read them like any run.
#
#   jq -c -s --arg schedule SCHED --argjson stop EPOCHS -f refrun.jq \
#       trunk.jsonl [fork.jsonl ...]
#
# Every file's epochs are read in the order given; where two files hold
# the same epoch, the later one wins (a fork replaces the trunk from the
# epoch it resumed at).  Epochs after stop are dropped.  Each epoch becomes
# a step record at its first update (its rate; loss and acc are the
# epoch's training means) and a val and a test eval record at its end.
(map(select(.meta == true)) | .[0]) as $m
| $m.iters_per_epoch as $ipe
| (map(select(.meta != true and .epoch <= $stop))
    | group_by(.epoch) | map(.[-1])) as $ep
| {type: "meta", program: "pytorch-reference", torch: $m.torch,
   depth: 20, n: 3, shortcut: "A", params: $m.params,
   batch: $m.batch, lr: 0.1, momentum: 0.9, weight_decay: 0.0001,
   schedule: $schedule, iters: ($stop * $ipe), iters_per_epoch: $ipe,
   drop_last: false, train_size: $m.n_train, val_size: $m.n_val,
   test_size: $m.n_test, seed: $m.seed, threads: $m.threads,
   normalize: "channel", augment: {pad: 4, crop: 32, flip: true}}
, ($ep[] | {type: "step", iter: ((.epoch - 1) * $ipe), epoch: (.epoch - 1),
            lr: .lr, loss: .train_loss, acc: .train_acc},
           {type: "eval", split: "val", iter: .iter, epoch: .epoch,
            acc: .val_acc, n: $m.n_val},
           {type: "eval", split: "test", iter: .iter, epoch: .epoch,
            acc: .test_acc, n: $m.n_test})
, {type: "end", iter: ($ep[-1].iter), epoch: ($ep[-1].epoch)}
