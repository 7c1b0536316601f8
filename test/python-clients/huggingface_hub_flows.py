# What huggingface_hub 0.36.2 users do, against Moda at $HF_ENDPOINT: each step prints "ok <name>";
# any failure raises and exits non-zero. Run by huggingface-hub.test.ts.
import os
import time
import warnings

from huggingface_hub import (
    CommitOperationAdd,
    CommitOperationCopy,
    CommitOperationDelete,
    HfApi,
    HfFileSystem,
    InferenceClient,
    hf_hub_download,
    snapshot_download,
)
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.utils import get_session

ENDPOINT = os.environ["HF_ENDPOINT"]
TOKEN = os.environ["HF_TOKEN"]
USER = os.environ["MODA_USER"]
ORG = os.environ["MODA_ORG"]
WORK = os.environ["WORK_DIR"]
api = HfApi(endpoint=ENDPOINT, token=TOKEN)


STARTED = time.monotonic()


def ok(step):
    print(f"ok {step} ({time.monotonic() - STARTED:.1f} s)", flush=True)


def expect_status(status, call):
    try:
        call()
    except HfHubHTTPError as error:
        assert error.response.status_code == status, f"expected {status}, got {error.response.status_code}: {error}"
        return error
    raise AssertionError(f"expected HTTP {status}")


assert api.whoami()["name"] == USER
ok("whoami")

# A transformers-style push_to_hub: create with exist_ok (twice), upload a folder with a card and a
# > 10 MB binary that goes through LFS.
repo = f"{USER}/tiny-bert"
url = api.create_repo(repo, exist_ok=True)
assert url == f"{ENDPOINT}/{repo}", url
again = api.create_repo(repo, exist_ok=True)
assert again.repo_id == repo
expect_status(409, lambda: api.create_repo(repo))
ok("create_repo exist_ok")

folder = os.path.join(WORK, "model")
os.makedirs(os.path.join(folder, "onnx"))
big = os.urandom(11 * 1024 * 1024)
with open(os.path.join(folder, "onnx", "model.onnx"), "wb") as f:
    f.write(big)
with open(os.path.join(folder, "config.json"), "w") as f:
    f.write('{"model_type": "bert", "architectures": ["BertForSequenceClassification"]}')
with open(os.path.join(folder, "README.md"), "w") as f:
    f.write("---\nlicense: mit\npipeline_tag: text-classification\ntags: [tiny]\nlanguage: en\n---\n# Tiny BERT\n")
first = api.upload_folder(repo_id=repo, folder_path=folder, commit_message="Upload the model")
ok("upload_folder with card and LFS binary")

bad_card = "---\nmodel-index:\n  - results: not-a-list\n---\n# bad\n"
try:
    api.upload_file(path_or_fileobj=bad_card.encode(), path_in_repo="README.md", repo_id=repo)
    raise AssertionError("an invalid model-index must be refused")
except ValueError as error:
    assert "Invalid metadata in README.md" in str(error), error
ok("validate-yaml refuses a malformed model-index")

info = api.model_info(repo, files_metadata=True)
siblings = {s.rfilename: s for s in info.siblings}
assert siblings["onnx/model.onnx"].lfs is not None and siblings["onnx/model.onnx"].lfs.size == len(big)
assert info.pipeline_tag == "text-classification" and info.card_data["license"] == "mit"
assert info.last_modified is not None and info.created_at is not None
ok("model_info")

# upload_large_folder creates the repo with exist_ok and commits in the background workers.
large = os.path.join(WORK, "large")
os.makedirs(os.path.join(large, "shards"))
for index in range(3):
    with open(os.path.join(large, "shards", f"part-{index}.txt"), "w") as f:
        f.write(f"shard {index}\n")
api.upload_large_folder(repo_id=f"{USER}/large", folder_path=large, repo_type="model", num_workers=2, print_report=False)
assert sorted(f for f in api.list_repo_files(f"{USER}/large") if f.startswith("shards/")) == [f"shards/part-{i}.txt" for i in range(3)]
api.delete_repo(f"{USER}/large")
ok("upload_large_folder")

# Commits with parent_commit: the stale one is refused with 412; copy and delete operations.
head = api.model_info(repo).sha
api.create_commit(repo, operations=[CommitOperationAdd("notes.txt", b"v1")], commit_message="notes", parent_commit=head)
expect_status(412, lambda: api.create_commit(repo, operations=[CommitOperationAdd("notes.txt", b"v2")], commit_message="stale", parent_commit=head))
api.create_commit(repo, operations=[CommitOperationCopy("onnx/model.onnx", "onnx/copy.onnx"), CommitOperationDelete("notes.txt")], commit_message="copy and delete")
files = set(api.list_repo_files(repo))
assert "onnx/copy.onnx" in files and "notes.txt" not in files, files
ok("create_commit parent_commit/copy/delete")

# Branches and tags; downloads by branch, tag and commit.
api.create_branch(repo, branch="dev")
api.upload_file(path_or_fileobj=b"dev only", path_in_repo="dev.txt", repo_id=repo, revision="dev")
api.create_tag(repo, tag="v1", revision="main", tag_message="first")
refs = api.list_repo_refs(repo)
assert {b.name for b in refs.branches} == {"main", "dev"} and [t.name for t in refs.tags] == ["v1"]
cache = os.path.join(WORK, "cache")
path = hf_hub_download(repo, "dev.txt", revision="dev", cache_dir=cache)
assert open(path, "rb").read() == b"dev only"
path = hf_hub_download(repo, "onnx/model.onnx", revision="v1", cache_dir=cache)
assert open(path, "rb").read() == big
snap = snapshot_download(repo, revision=first.oid, allow_patterns=["*.json", "*.md"], cache_dir=cache)
assert sorted(os.listdir(snap)) == ["README.md", "config.json"], os.listdir(snap)
snap = snapshot_download(repo, revision="v1", allow_patterns="onnx/*", cache_dir=cache)
assert sorted(os.listdir(os.path.join(snap, "onnx"))) == ["copy.onnx", "model.onnx"]
api.delete_tag(repo, tag="v1")
api.delete_branch(repo, branch="dev")
ok("branches, tags, downloads by branch/tag/commit")

# paths-info (a form body), the expanded tree with last commits, and the commit list.
infos = {i.path: i for i in api.get_paths_info(repo, ["config.json", "onnx", "onnx/model.onnx"], expand=True)}
assert set(infos) == {"config.json", "onnx", "onnx/model.onnx"}
assert infos["onnx/model.onnx"].lfs.size == len(big) and infos["config.json"].last_commit is not None
tree = list(api.list_repo_tree(repo, expand=True, recursive=True))
assert all(entry.last_commit is not None and entry.last_commit.date.tzinfo is not None for entry in tree)
commits = api.list_repo_commits(repo)
assert [c.title for c in commits][:2] == ["copy and delete", "notes"], [c.title for c in commits]
assert commits[0].created_at.tzinfo is not None
ok("get_paths_info, list_repo_tree expand, list_repo_commits")

# Listing with filters, datasets, private repos and an org.
found = list(api.list_models(author=USER, filter="text-classification", full=True))
assert [m.id for m in found] == [repo] and any(s.rfilename == "config.json" for s in found[0].siblings)
assert list(api.list_models(author=USER, search="no-such-model")) == []
private = f"{ORG}/secret-data"
api.create_repo(private, repo_type="dataset", private=True)
api.create_repo(private, repo_type="dataset", private=True, exist_ok=True)
api.upload_file(path_or_fileobj=b"a,b\n1,2\n", path_in_repo="data/train.csv", repo_id=private, repo_type="dataset")
ds = api.dataset_info(private)
assert ds.private and any(s.rfilename == "data/train.csv" for s in ds.siblings)
assert [d.id for d in api.list_datasets(author=ORG)] == [private]
anonymous = HfApi(endpoint=ENDPOINT, token=False)
expect_status(404, lambda: anonymous.dataset_info(private))
path = hf_hub_download(private, "data/train.csv", repo_type="dataset", cache_dir=cache)
assert open(path, "rb").read() == b"a,b\n1,2\n"
api.update_repo_settings(private, repo_type="dataset", private=False)
assert not anonymous.dataset_info(private).private
ok("datasets, private repos, orgs, list_models filters")

# HfFileSystem.
fs = HfFileSystem(endpoint=ENDPOINT, token=TOKEN)
names = sorted(entry["name"] for entry in fs.ls(repo, detail=True))
assert names == [f"{repo}/.gitattributes", f"{repo}/README.md", f"{repo}/config.json", f"{repo}/onnx"], names
assert fs.cat(f"{repo}/config.json").startswith(b'{"model_type"')
assert fs.cat(f"datasets/{private}/data/train.csv") == b"a,b\n1,2\n"
ok("HfFileSystem ls/cat")

# Likes, move and squash.
# 0.36 has unlike() but no like(): the like is posted the way the Hub's web page does.
get_session().post(f"{ENDPOINT}/api/models/{repo}/like", headers=api._build_hf_headers()).raise_for_status()
assert api.list_liked_repos(USER).models == [repo]
assert [liker.username for liker in api.list_repo_likers(repo)] == [USER]
api.unlike(repo)
assert api.list_liked_repos(USER).models == []
moved = f"{ORG}/tiny-bert-moved"
api.move_repo(repo, moved)
expect_status(404, lambda: api.model_info(repo))
assert api.model_info(moved).id == moved
api.super_squash_history(moved, commit_message="squashed")
squashed = api.list_repo_commits(moved)
assert [c.title for c in squashed] == ["squashed"], [c.title for c in squashed]
assert "onnx/copy.onnx" in api.list_repo_files(moved)
ok("likes, move_repo, super_squash_history")

# InferenceClient on the tiny sentiment model the test published: every label comes back.
client = InferenceClient(model=f"{ENDPOINT}/models/{os.environ['MODA_CLASSIFIER']}", token=TOKEN)
labels = client.text_classification("I love this", top_k=2)
assert len(labels) == 2 and {l.label for l in labels} == {"POSITIVE", "NEGATIVE"}, labels
assert labels[0].score >= labels[1].score
best = client.text_classification("I love this")
assert len(best) >= 1 and best[0].label == labels[0].label, best
ok("InferenceClient.text_classification")

api.delete_repo(moved)
api.delete_repo(private, repo_type="dataset")
api.delete_repo(moved, missing_ok=True)
expect_status(404, lambda: api.model_info(moved))
ok("delete_repo")
