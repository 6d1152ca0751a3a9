"""placeholder"""
import streamlit as st

from app_pages import shared

shared.require_cohort()
st.title("report")
