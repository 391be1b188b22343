"""Models made elsewhere, imported, against their published counts: real Caffe deploy files
(tests/data/caffe, sources in its README) and Keras' own applications (`keras` marker: built with
weights=None under Keras' torch backend, saved as .keras and as JSON, and compared with Keras' counts)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import cnncalc

CAFFE = Path(__file__).resolve().parent.parent / "data" / "caffe"

# AlexNet and CaffeNet (the same layers, pool and norm swapped), by hand: conv1 11·11·3·96 + 96 = 34,944;
# conv2 (2 groups) 5·5·48·256 + 256 = 307,456; conv3 3·3·256·384 + 384 = 885,120; conv4 (2 groups)
# 3·3·192·384 + 384 = 663,936; conv5 (2 groups) 3·3·192·256 + 256 = 442,624; fc6 6·6·256·4096 + 4096 =
# 37,752,832; fc7 16,781,312; fc8 4,097,000: 60,965,224.
# SqueezeNet v1.0 and v1.1: torchvision's squeezenet1_0 and squeezenet1_1 (the same layers) publish
# num_params 1,248,424 and 1,235,496 (pytorch.org/vision/stable/models/generated/torchvision.models.squeezenet1_0
# .html and …squeezenet1_1.html).
# GoogLeNet (BVLC, no auxiliary heads in the deploy file): conv1 9,472, conv2 4,160 + 110,784, the nine inception
# modules (in·a + in·b_r + 9·b_r·b + in·c_r + 25·c_r·c + in·d, plus one bias per filter) 163,696 + 388,736 +
# 376,176 + 449,160 + 510,104 + 605,376 + 868,352 + 1,043,456 + 1,444,080, fc 1,025,000: 6,998,552.
# ResNet-50 (Kaiming He's): torchvision's resnet50 publishes 25,557,032 for the same layers; this prototxt
# leaves conv1's bias_term at Caffe's default (true), 64 biases more: 25,557,096. Its BatchNorm + Scale pairs
# keep 2·53 running means and variances of 26,560 channels: 53,120 buffers (Keras' ResNet50 has the same).
CAFFE_MODELS = [
    ("bvlc_alexnet", 60_965_224, 0),
    ("bvlc_reference_caffenet", 60_965_224, 0),
    ("squeezenet_v1.0", 1_248_424, 0),
    ("squeezenet_v1.1", 1_235_496, 0),
    ("bvlc_googlenet", 6_998_552, 0),
    ("resnet50", 25_557_096, 53_120),
]


@pytest.mark.parametrize("model, params, buffers", CAFFE_MODELS)
def test_caffe_deploy_files_import_to_their_published_counts(model, params, buffers):
    report = cnncalc.analyze(CAFFE / f"{model}.prototxt")
    assert report.valid, [d.message for d in report.diagnostics]
    assert report.output == cnncalc.Volume(1, 1, 1000)
    assert (report.totals.params, report.totals.buffers) == (params, buffers)


KERAS_MODELS = ["ResNet50", "MobileNetV2", "MobileNetV3Small", "EfficientNetB0", "InceptionV3", "VGG16",
                "DenseNet121", "Xception", "ConvNeXtTiny", "ResNet50V2", "MobileNetV3Large", "EfficientNetV2B0"]


@pytest.fixture(scope="module")
def keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    return keras


def keras_counts(model) -> tuple[int, int]:
    size = lambda weights: sum(int(w.numpy().size) for w in weights)  # noqa: E731
    return size(model.trainable_weights), size(model.non_trainable_weights)


@pytest.mark.torch
@pytest.mark.keras
@pytest.mark.parametrize("name", KERAS_MODELS)
def test_keras_applications_import_to_keras_own_counts(keras, tmp_path, name):
    import json
    import zipfile

    model = getattr(keras.applications, name)(weights=None)
    trainable, non_trainable = keras_counts(model)
    (tmp_path / "model.json").write_text(model.to_json())
    # a .keras file is a zip of config.json (what the reader reads) and the weights (which it never opens):
    # written here without the weights, hundreds of MB for some of these
    with zipfile.ZipFile(tmp_path / "model.keras", "w") as archive:
        archive.writestr("config.json", json.dumps(keras.saving.serialize_keras_object(model)))
    width, height, depth = (224, 224, 3) if model.input_shape[1] is None else \
        (model.input_shape[2], model.input_shape[1], model.input_shape[3])
    for path, fmt in ((tmp_path / "model.json", "keras"), (tmp_path / "model.keras", None)):
        report = cnncalc.analyze(path, model_format=fmt, input=f"{width}x{height}x{depth}")
        assert report.valid, [d.message for d in report.diagnostics if d.is_error][:3]
        assert (report.totals.params, report.totals.buffers) == (trainable, non_trainable)
        assert report.output == cnncalc.Volume(1, 1, model.output_shape[-1])


@pytest.mark.torch
@pytest.mark.keras
def test_a_keras_file_saved_by_keras(keras, tmp_path):
    model = keras.applications.MobileNetV3Small(weights=None, input_shape=(224, 224, 3))
    model.save(tmp_path / "small.keras")
    report = cnncalc.analyze(tmp_path / "small.keras")
    assert report.valid and (report.totals.params, report.totals.buffers) == keras_counts(model)
