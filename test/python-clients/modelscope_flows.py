# What modelscope users do (1.37.1 with its own hub code, or 1.38.1 over modelscope_hub), against
# Moda at $MS_ENDPOINT: each step prints "ok <name>"; any failure raises. Run by modelscope.test.ts.
import hashlib
import os
import time
import warnings

from modelscope.hub.api import HubApi
from modelscope.hub.file_download import model_file_download
from modelscope.hub.snapshot_download import dataset_snapshot_download, snapshot_download

warnings.simplefilter("ignore", DeprecationWarning)
ENDPOINT = os.environ["MS_ENDPOINT"]
TOKEN = os.environ["MS_TOKEN"]
USER = os.environ["MODA_USER"]
WORK = os.environ["WORK_DIR"]
LEGACY = os.environ["MS_VERSION"] == "1.37.1"
CACHE = os.path.join(WORK, "cache")


STARTED = time.monotonic()


def ok(step):
    print(f"ok {step} ({time.monotonic() - STARTED:.1f} s)", flush=True)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


api = HubApi(endpoint=ENDPOINT)
api.login(TOKEN)
ok("login")

for visibility, name in [(1, "m-private"), (3, "m-internal"), (5, "m-public")]:
    api.create_model(f"{USER}/{name}", visibility=visibility, license="Apache License 2.0")
    info = api.get_model(f"{USER}/{name}")
    assert (info.get("Visibility") or info.get("visibility")) is not None, info
ok("create_model with each visibility")

repo = f"{USER}/m-public"
folder = os.path.join(WORK, "model")
os.makedirs(os.path.join(folder, "weights"))
big = os.urandom(11 * 1024 * 1024)
with open(os.path.join(folder, "weights", "model.bin"), "wb") as f:
    f.write(big)
with open(os.path.join(folder, "configuration.json"), "w") as f:
    f.write('{"framework": "pytorch", "task": "text-classification"}')
with open(os.path.join(folder, "README.md"), "w") as f:
    f.write("---\nlicense: apache-2.0\n---\n# m-public\n")
api.upload_folder(repo_id=repo, folder_path=folder, commit_message="upload the model")
ok("upload_folder with an LFS binary")

files = {f["Path"]: f for f in api.get_model_files(repo, recursive=True)}
assert {"weights/model.bin", "configuration.json", "README.md"} <= set(files), files
assert files["weights/model.bin"]["Size"] == len(big)
ok("get_model_files")

if LEGACY:
    api.create_model_tag(repo, "v1.0.0")
    revisions = api.list_model_revisions(repo, cutoff_timestamp=int(time.time()) + 3600)
else:
    api.create_repo_tag(repo, "model", "v1.0.0")
    revisions = [r.get("Revision") or r.get("Name") or r.get("name") for r in api.list_repo_revisions(repo, "model")]
assert "v1.0.0" in revisions, revisions
ok("tags and revisions")

path = model_file_download(repo, "weights/model.bin", revision="v1.0.0", cache_dir=CACHE, endpoint=ENDPOINT) if LEGACY \
    else model_file_download(repo, "weights/model.bin", revision="v1.0.0", cache_dir=CACHE)
assert sha256(path) == hashlib.sha256(big).hexdigest()
snap = snapshot_download(repo, revision="master", cache_dir=CACHE + "-snapshot", allow_patterns=["*.json", "*.md"], **({"endpoint": ENDPOINT} if LEGACY else {}))
assert os.path.exists(os.path.join(snap, "configuration.json")) and not os.path.exists(os.path.join(snap, "weights", "model.bin"))
ok("downloads with the sha256 check, by tag and branch")

pushed = os.path.join(WORK, "pushed")
os.makedirs(pushed)
with open(os.path.join(pushed, "configuration.json"), "w") as f:
    f.write('{"framework": "pytorch", "task": "fill-mask"}')
with open(os.path.join(pushed, "notes.txt"), "w") as f:
    f.write("pushed with git")
api.push_model(model_id=f"{USER}/m-pushed", model_dir=pushed, visibility=5, license="Apache License 2.0")
pushed_files = {f["Path"] for f in api.get_model_files(f"{USER}/m-pushed", recursive=True)}
assert {"notes.txt", "configuration.json"} <= pushed_files, pushed_files
ok("push_model")

listed = api.list_models(USER, page_size=20)
names = {m.get("Name") or m.get("name") for m in listed["Models"]}
assert {"m-public", "m-private", "m-internal", "m-pushed"} <= names, names
ok("list_models")

dataset = f"{USER}/d-public"
api.create_dataset("d-public", USER, visibility=5, license="Apache License 2.0")
data = os.path.join(WORK, "data")
os.makedirs(os.path.join(data, "train"))
with open(os.path.join(data, "train", "part.csv"), "w") as f:
    f.write("text,label\nhello,1\n")
api.upload_folder(repo_id=dataset, folder_path=data, repo_type="dataset", commit_message="data")
dsnap = dataset_snapshot_download(dataset, cache_dir=CACHE, **({"endpoint": ENDPOINT} if LEGACY else {}))
with open(os.path.join(dsnap, "train", "part.csv")) as f:
    assert f.read() == "text,label\nhello,1\n"
ok("create_dataset, dataset_snapshot_download")

if LEGACY:
    api.set_repo_visibility(repo, "model", "private")
    assert api.get_model(repo)["Visibility"] == 1
    api.set_repo_visibility(dataset, "dataset", "private")
    assert api.get_dataset(dataset)["Visibility"] == 1
    ok("set_repo_visibility")
else:
    # Not a Moda gap: 1.38 dropped these methods (README's compatibility table says so).
    assert not hasattr(api, "set_repo_visibility") and not hasattr(api, "create_model_tag")
    ok("set_repo_visibility is absent from 1.38.1")

api.delete_files(repo_id=repo, repo_type="model", delete_patterns=["README.md"], revision="master") if LEGACY \
    else api.delete_files(repo, "model", ["README.md"], revision="master")
assert "README.md" not in {f["Path"] for f in api.get_model_files(repo, recursive=True)}
ok("delete_files")

for name in ["m-private", "m-internal", "m-public", "m-pushed"]:
    api.delete_model(f"{USER}/{name}")
api.delete_dataset(dataset)
assert not api.repo_exists(repo)
ok("deletes")
