"""Subjects and project links (GUIDELINES.md sections 3 and 5) on hand-placed entities."""
from __future__ import annotations

from typing import Optional

import pytest

from pipeline.doc import Document, Entity, Span
from pipeline.normalising import normalise
from pipeline.resolving import Resolver


@pytest.fixture(scope="module")
def resolver():
    return Resolver()


def resolve(resolver, text: str, numbers: list[str], projects: list[str] = ()) -> Document:
    """Place each listed span at its next occurrence, run the resolver, return the document."""
    ents, pos = [], {}
    for label, spans in (("PROJECT", projects), ("NUMBER", numbers)):
        for s in spans:
            a = text.index(s, pos.get(s, 0))
            pos[s] = a + len(s)
            lab = label if label == "PROJECT" else ("PERCENT" if s.endswith("%") else
                                                    "MONEY" if "元" in s else "QUANTITY")
            ents.append(Entity(a, a + len(s), lab, s, value=1.0, unit="x"))
    doc = Document(id="t", text=text, entities=sorted(ents, key=lambda e: e.start))
    resolver(doc, normalise(text))
    return doc


def entity(doc: Document, span: str, nth: int = 0) -> Entity:
    return [e for e in doc.entities if e.text == span and e.label != "PROJECT"][nth]


def subject(doc: Document, span: str, nth: int = 0) -> Optional[str]:
    s = entity(doc, span, nth).subject
    return None if s is None else s.text


def project(doc: Document, span: str, nth: int = 0) -> Optional[str]:
    p = entity(doc, span, nth).project
    return None if p is None else p.text


# -- subjects -------------------------------------------------------------------------------
def test_phrase_before_the_number(resolver):
    doc = resolve(resolver, "其中：基本支出284.32万元，占比57.23%；预算执行率为100%。",
                  ["284.32万元", "57.23%", "100%"])
    assert subject(doc, "284.32万元") == "基本支出"
    assert subject(doc, "57.23%") == "占比"
    assert subject(doc, "100%") == "预算执行率"


def test_count_of_work_takes_the_activity_after_it(resolver):
    # GUIDELINES.md section 5: 707户入户调查 -> 入户调查
    doc = resolve(resolver, "完成工商银行至棉麻土产公司地段18家单位及707户入户调查。", ["18家", "707户"])
    assert subject(doc, "707户") == "入户调查"


def test_the_phrase_starts_after_the_previous_number(resolver):
    doc = resolve(resolver, "公务接待费0.00万元，比预算2.00万元减少2.00万元。", ["0.00万元", "2.00万元", "2.00万元"])
    assert subject(doc, "2.00万元", 1) == "减少"


def test_items_of_a_list_share_the_subject(resolver):
    doc = resolve(resolver, "家禽死亡率分别控制在4%、3%、2%以下。", ["4%", "3%", "2%"])
    assert all("死亡率" in subject(doc, s) for s in ("4%", "3%", "2%"))


def test_linking_verb_shares_the_previous_subject(resolver):
    doc = resolve(resolver, "扫尾项目任务11个，涉及4062亩，", ["11个", "4062亩"])
    assert subject(doc, "4062亩") == subject(doc, "11个")
    assert "扫尾项目任务" in subject(doc, "4062亩")


def test_table_cell_takes_its_row_label(resolver):
    doc = resolve(resolver, "\t被摸底调查对象满意度\n\t90%\n\t95%\n\t10\n", ["90%", "95%"])
    assert subject(doc, "90%") == "被摸底调查对象满意度"
    assert subject(doc, "95%") == "被摸底调查对象满意度"


def test_subject_set_by_the_tagger_is_kept(resolver):
    text = "\t年度资金总额\t38\n"
    e = Entity(text.index("38"), text.index("38") + 2, "MONEY", "38", value=380000.0, unit="元",
               subject=Span(1, 7, "年度资金总额"))
    doc = Document(id="t", text=text, entities=[e])
    resolver(doc, normalise(text))
    assert doc.entities[0].subject.text == "年度资金总额"
    assert doc.facts[0].subject.text == "年度资金总额"


# -- project links --------------------------------------------------------------------------
def test_number_about_the_project_in_its_sentence(resolver):
    # GUIDELINES.md section 3: the 164栋 belongs to 怀南水产品市场项目
    doc = resolve(resolver, "3、怀南水产品市场项目全年共拆除房屋164栋。", ["164栋"], ["怀南水产品市场项目"])
    assert project(doc, "164栋") == "怀南水产品市场项目"
    assert "拆除房屋" in subject(doc, "164栋")


def test_number_shared_by_several_projects_links_to_none(resolver):
    # GUIDELINES.md section 5: A、B等项目…拆除8户 links to none
    doc = resolve(resolver, "正清路延长线项目、怀南水产品市场项目等项目共拆除8户。", ["8户"],
                  ["正清路延长线项目", "怀南水产品市场项目"])
    assert project(doc, "8户") is None


def test_refer_back_to_the_previous_sentence(resolver):
    text = "完成迎丰组团10#安置区二期征地拆迁工作。征收土地33.288亩，迁移坟墓54棺，该项目已顺利开工建设。"
    doc = resolve(resolver, text, ["33.288亩", "54棺"], ["迎丰组团10#安置区二期"])
    assert project(doc, "33.288亩") == "迎丰组团10#安置区二期"
    assert project(doc, "54棺") == "迎丰组团10#安置区二期"


def test_no_refer_back_no_link(resolver):
    text = "完成迎丰组团10#安置区二期征地拆迁工作。全年征收土地33.288亩。"
    doc = resolve(resolver, text, ["33.288亩"], ["迎丰组团10#安置区二期"])
    assert project(doc, "33.288亩") is None


def test_list_item_count_links_its_project_and_has_no_subject(resolver):
    doc = resolve(resolver, "具体项目:1、运河南苑500套; 2、漕运人家二期280套;", ["500套", "280套"],
                  ["运河南苑", "漕运人家二期"])
    assert project(doc, "500套") == "运河南苑"
    assert project(doc, "280套") == "漕运人家二期"
    assert subject(doc, "280套") is None


def test_form_name_cell_does_not_reach_the_table_far_below(resolver):
    text = ("项目名称 委托业务项目 主管部门 池州市贵池区棠溪镇人民政府 实施单位 池州市贵池区棠溪镇人民政府 "
            "项目资金 (万元) 年初预算数 全年预算数 全年执行数 分值 执行率 得分 年度资金总额: 0 0 0 10 0 0")
    doc = resolve(resolver, text, ["0"], ["委托业务项目"])
    assert project(doc, "0") is None


def test_row_titled_by_a_project(resolver):
    text = "\t成本指标\n\t征收工作经费（万元）\n\t38\n"
    e = Entity(text.index("38"), text.index("38") + 2, "MONEY", "38", value=380000.0, unit="元")
    p0 = text.index("征收工作经费")
    p = Entity(p0, p0 + 6, "PROJECT", "征收工作经费")
    e.subject = Span(p0, p0 + 6, "征收工作经费")
    doc = Document(id="t", text=text, entities=[p, e])
    resolver(doc, normalise(text))
    assert e.project.text == "征收工作经费"


def test_facts_carry_number_subject_and_project(resolver):
    doc = resolve(resolver, "2、正清路延长线项目全年共参与征收房屋266户。", ["266户"], ["正清路延长线项目"])
    (fact,) = doc.facts
    assert fact.number.text == "266户"
    assert fact.project.text == "正清路延长线项目"
    assert "征收房屋" in fact.subject.text


def test_a_table_row_links_its_numbers_to_its_one_project(resolver):
    text = "序号 | 项目名称 | 投资规模 |\n1 | 周家营村人行道硬化项目 | 20万元 |\n2 | 后林都道路建设项目 | 35万元 |\n"
    doc = resolve(resolver, text, ["20万元", "35万元"], ["周家营村人行道硬化项目", "后林都道路建设项目"])
    assert entity(doc, "20万元").project.text == "周家营村人行道硬化项目"
    assert entity(doc, "35万元").project.text == "后林都道路建设项目"


def test_cost_grows_with_the_document_not_with_its_square(resolver):
    """A long report: every number still finds its own sentence's project (positions, not scans)."""
    unit = "该片区拆除房屋12栋。怀南水产品市场项目全年共拆除房屋164栋，"
    doc = resolve(resolver, unit * 300, ["12栋", "164栋"] * 300, ["怀南水产品市场项目"] * 300)
    linked = [e for e in doc.entities if e.text == "164栋"]
    assert len(linked) == 300 and all(e.project is not None and e.project.end <= e.start for e in linked)


def test_a_table_cell_takes_the_title_its_table_gives_it(resolver):
    from pipeline.tables import read_tables
    text = "\t项目资金\n（万元）\n\t年初预算数\n\t全年执行数\n\t执行率\n\n\t年度资金总额\n\t38\n\t27.75\n\t73.03%\n\n"
    nt = normalise(text)
    ents = [Entity(text.index(s), text.index(s) + len(s), lab, s, value=1.0, unit="x")
            for s, lab in (("38", "MONEY"), ("27.75", "MONEY"), ("73.03%", "PERCENT"))]
    doc = Document(id="t", text=text, entities=ents, tables=read_tables(nt))
    resolver(doc, nt)
    assert [e.subject.text for e in doc.entities] == ["年度资金总额", "年度资金总额", "执行率"]


def test_ids_are_assigned_before_the_facts_are_built(resolver):
    doc = resolve(resolver, "拆除房屋164栋，征收土地33.288亩。", ["33.288亩", "164栋"], ["怀南水产品市场项目"][:0])
    assert [(e.id, e.text) for e in doc.entities] == [("e1", "164栋"), ("e2", "33.288亩")]
    assert [(f.entity_id, f.number.text) for f in doc.facts] == [("e1", "164栋"), ("e2", "33.288亩")]
