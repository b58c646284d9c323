"""Tests of the chaosq Python front-end; FakeRun stands in for the native engine."""
